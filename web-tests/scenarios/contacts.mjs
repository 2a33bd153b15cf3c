// Contacts kept up to date, by two people on browsers of their own:
// 1. the office opens the list of pupils short of contacts, goes to a pupil with one phone
//    number in one click, adds a second contact with a phone, and the pupil leaves the list;
// 2. a parent proposes a new phone number for themselves from their phone;
// 3. the office sees the change proposed, old number beside new, and accepts it; the contact
//    shows the new number on the child's contacts page;
// 4. the parent sees the change was made.
//
// data: {password, width, height,
//        short: {upn, name}: a pupil with one contact with a phone, who lives with a parent,
//        added: {forename, surname, relationship, phone}: the contact the office adds,
//        child: {upn}: the parent's child, me: {reference, phone}: the parent's own entry,
//        phone: the parent's new number}
export default async function contacts({ baseUrl, data, launch, signIn, screenshot, expectText }) {
    const newPage = async () => (await launch()).newPage();

    // 1. The office, from the list to the pupil's contacts.
    const office = await newPage();
    await signIn(office, baseUrl, 'office', data.password);
    await Promise.all([
        office.waitForEvent('load'),
        office.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Contacts' }).click(),
    ]);
    await expectText(office, 'Contacts to complete');
    const row = office.locator(`tr[data-upn="${data.short.upn}"]`);
    await row.waitFor({ state: 'visible' });
    await Promise.all([office.waitForEvent('load'), row.getByRole('link').click()]);
    await expectText(office, `Contacts: ${data.short.name}`);
    await expectText(office, 'Short of what the school needs');
    await office.fill('#new-forename', data.added.forename);
    await office.fill('#new-surname', data.added.surname);
    await office.fill('#new-relationship', data.added.relationship);
    await office.fill('#new-phone', data.added.phone);
    await office.check('#new-may-collect');
    await screenshot(office, 'contacts-add.png');
    await Promise.all([office.waitForEvent('load'), office.click('#add-contact')]);
    await expectText(office, `Added ${data.added.forename} ${data.added.surname}`);
    await expectText(office, 'Complete: at least two contacts with a phone number');
    await expectText(office, data.added.phone);
    await screenshot(office, 'contacts-added.png');
    await office.goto(`${baseUrl}/office/contacts`);
    await expectText(office, 'Contacts to complete');
    if ((await office.locator(`tr[data-upn="${data.short.upn}"]`).count()) !== 0) {
        throw new Error('the pupil is still on the list after a second phone contact was added');
    }

    // 2. The parent proposes a new phone number.
    const parent = await newPage();
    await parent.setViewportSize({ width: data.width, height: data.height });
    await signIn(parent, baseUrl, 'parent', data.password);
    await Promise.all([
        parent.waitForEvent('load'),
        parent.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My details' }).click(),
    ]);
    await expectText(parent, 'My details');
    await expectText(parent, data.me.phone);
    await parent.fill('#phone', data.phone);
    await Promise.all([parent.waitForEvent('load'), parent.click('#send-details')]);
    await expectText(parent, 'the school office will check your change before it is made');
    await expectText(parent, 'Waiting for the school office.');
    const held = await parent.locator('#held-phone').innerText();
    if (held.trim() !== data.me.phone) {
        throw new Error(`the phone held reads ${held} before the office accepted the change`);
    }
    await screenshot(parent, 'contacts-proposed.png');

    // 3. The office accepts it.
    await office.goto(`${baseUrl}/office/contacts`);
    await Promise.all([
        office.waitForEvent('load'),
        office.getByRole('link', { name: /change proposed by parents/ }).click(),
    ]);
    await expectText(office, 'Changes proposed by parents');
    const proposal = office.locator('section[id^="proposal-"]').first();
    await proposal.waitFor({ state: 'visible' });
    const text = await proposal.innerText();
    if (!text.includes(data.me.phone) || !text.includes(data.phone)) {
        throw new Error(`the proposal does not show the old and new numbers: ${text}`);
    }
    await screenshot(office, 'contacts-proposal.png');
    await Promise.all([
        office.waitForEvent('load'),
        proposal.getByRole('button', { name: 'Accept and make the change' }).click(),
    ]);
    await expectText(office, 'Accepted:');
    await expectText(office, 'No change waits for you.');
    await office.goto(`${baseUrl}/pupils/${data.child.upn}/contacts`);
    const entry = office.locator(`#contact-${data.me.reference}`);
    await entry.waitFor({ state: 'visible' });
    const shown = await entry.innerText();
    if (!shown.includes(data.phone)) {
        throw new Error(`the contact does not show the new number: ${shown}`);
    }
    await screenshot(office, 'contacts-accepted.png');

    // 4. The parent sees it made.
    await parent.goto(`${baseUrl}/children/details`);
    await expectText(parent, 'Made by the school.');
    const now = await parent.locator('#held-phone').innerText();
    if (now.trim() !== data.phone) {
        throw new Error(`the phone held reads ${now}, not ${data.phone}`);
    }
}
