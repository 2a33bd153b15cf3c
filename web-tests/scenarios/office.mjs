// The office after the morning register has closed: a pupil arrives late and is told apart from
// another of the same name, chosen, and signed in (U),
// then a mark in a register is changed, with a reason; then a parent's call is recorded with a
// double tap, and what was recorded is shown instead of the form.
//
// data: {username, password,
//        late: {upn, surname, forename, name, form, dob}: the pupil who arrives at 09:40,
//        namesake: {dob}: another pupil of the same name and form,
//        register: path of that pupil's morning register,
//        reason: why the mark is changed,
//        call: {upn, name}: the pupil a parent rings about}
export default async function office({ baseUrl, data, launch, signIn, screenshot, expectText }) {
    const { newPage } = await launch();
    const page = await newPage();
    await page.setViewportSize({ width: 1024, height: 768 });
    await signIn(page, baseUrl, data.username, data.password);
    await expectText(page, 'Registers not taken today');
    await screenshot(page, 'office.png');

    // Late sign-in: find the pupil. Another pupil of the same name is in the same form: the
    // date of birth tells them apart. Choose the one who arrived, check, give the time, sign in.
    await page.click('a[href="/office/late"]');
    await page.fill('#q', data.late.name);
    await Promise.all([page.waitForURL('**/office/late?q=*'), page.click('form[role=search] button')]);
    const found = page.getByRole('table', { name: 'Pupils found' }).locator('tbody tr');
    const named = found.filter({ hasText: `${data.late.surname}, ${data.late.forename}` });
    if ((await named.count()) !== 2) {
        throw new Error(`${await named.count()} pupils named ${data.late.name} are listed, not 2`);
    }
    await named.filter({ hasText: data.namesake.dob }).waitFor({ state: 'visible' });
    if ((await page.locator('form[method=post][action="/office/late"]').count()) !== 0) {
        throw new Error('the search signs pupils in from the list');
    }
    await screenshot(page, 'office-late-found.png');
    const row = named.filter({ hasText: data.late.dob });
    await Promise.all([
        page.waitForURL(`**upn=${data.late.upn}*`),
        row.getByRole('link', { name: /^Choose/ }).click(),
    ]);
    const confirm = page.getByRole('button', { name: `Sign in ${data.late.name} (${data.late.form}, born ${data.late.dob}) late` });
    await confirm.waitFor({ state: 'visible' });
    await page.fill('#time', '09:40');
    await screenshot(page, 'office-late-chosen.png');
    await Promise.all([page.waitForLoadState('load'), confirm.click()]);
    await expectText(page, 'Signed in:');
    await expectText(page, 'arrived 60 minutes after the morning (AM) register opened, after it closed at 09:10');
    await screenshot(page, 'office-late.png');

    // The pupil brings a letter from the dentist: the U becomes M, with a reason.
    await page.goto(`${baseUrl}${data.register}`);
    await expectText(page, 'The register closed at 09:10');
    await page.selectOption(`#mark-${data.late.upn}`, 'M');
    await page.fill('#reason', data.reason);
    await Promise.all([
        page.waitForURL('**?saved=*'),
        page.locator('button[name=action][value=save]').first().click(),
    ]);
    await expectText(page, 'Register saved: 0 new marks and 1 correction.');
    const mark = await page.inputValue(`#mark-${data.late.upn}`);
    if (mark !== 'M') {
        throw new Error(`the mark reads ${mark}, not M`);
    }
    await screenshot(page, 'office-amended.png');

    // A parent rings. The call is sent with a double tap on the button: the first tap's request
    // reaches the server, and the page shows the answer to the second.
    await page.goto(`${baseUrl}/office/calls?upn=${data.call.upn}`);
    await expectText(page, `Calls about ${data.call.name} in the last 30 days`);
    await page.fill('#reported_by', 'Mother (phone)');
    await page.fill('#reason', 'Ear infection, seeing the doctor today');
    await page.selectOption('#code', 'I');
    const form = page.locator('form[action="/office/calls"]');
    const firstTap = await form.evaluate(async (f) => {
        const response = await fetch(f.action, { method: 'POST', body: new URLSearchParams(new FormData(f)) });
        return response.status;
    });
    if (firstTap !== 200) {
        throw new Error(`the first tap was answered ${firstTap}`);
    }
    await Promise.all([page.waitForLoadState('load'), form.locator('button[type=submit]').click()]);
    await expectText(page, 'This call was already recorded');
    // What was recorded, and no blank form inviting the same call again.
    await expectText(page, `The call about ${data.call.name}`);
    await expectText(page, 'Ear infection, seeing the doctor today');
    if (await page.locator('#reason').count() !== 0) {
        throw new Error('the call form is shown again after the call was recorded');
    }
    await screenshot(page, 'office-call-recorded.png');
    // Another call about the same pupil is an explicit choice; the first is listed above the form.
    await Promise.all([
        page.waitForURL(`**/office/calls?upn=${data.call.upn}`),
        page.getByRole('link', { name: `Record another call about ${data.call.name}` }).click(),
    ]);
    await page.locator('#reason').waitFor({ state: 'visible' });
    const recent = page.getByRole('table', { name: `Calls recorded about ${data.call.name}` });
    const rows = await recent.locator('tbody tr').count();
    if (rows !== 1) {
        throw new Error(`${rows} calls are listed, not the one call recorded`);
    }
    await recent.getByText('Ear infection, seeing the doctor today').waitFor({ state: 'visible' });
}
