// The designated safeguarding lead after 10:00: a vulnerable pupil nobody has reached is
// flagged to them, owned by them; they ring round, and close the flag with what they found.
//
// data: {username, password, pupil: {upn, name}: the vulnerable pupil nobody reached}
export default async function safeguarding({ baseUrl, data, launch, signIn, screenshot, expectText }) {
    const { newPage } = await launch();
    const page = await newPage();
    await signIn(page, baseUrl, data.username, data.password);
    if (!page.url().endsWith('/safeguarding')) {
        throw new Error(`the safeguarding lead starts at ${page.url()}, not /safeguarding`);
    }
    await expectText(page, 'Vulnerable pupils absent today with no reason known');
    const row = page.locator(`tr#vulnerable-${data.pupil.upn}`);
    await row.waitFor({ state: 'visible' });
    if (!(await row.innerText()).includes('flagged: nobody reached by 10:00')) {
        throw new Error(`the pupil's row reads ${await row.innerText()}`);
    }
    const flag = page.getByRole('article', { name: `Flag to the safeguarding lead: ${data.pupil.name}` });
    await flag.waitFor({ state: 'visible' });
    const owner = await flag.locator('dd.owner').innerText();
    if (owner.trim() !== 'Morgan Reid') {
        throw new Error(`the flag is owned by ${owner}`);
    }
    await screenshot(page, 'safeguarding.png');

    // Closed with what was found: nothing is left open.
    const form = flag.locator('form.close');
    await form.locator('input[name=contact_made][value=yes]').check();
    await form.locator('textarea[name=outcome]').fill('Rang the social worker: at a hospital appointment with the carer');
    await Promise.all([page.waitForEvent('load'), form.getByRole('button', { name: 'Close this step' }).click()]);
    await expectText(page, 'The flag to the safeguarding lead is closed.');
    const closed = page.locator('#closed-steps ~ article.step', { hasText: data.pupil.name });
    await closed.first().waitFor({ state: 'visible' });
    if ((await closed.first().locator('form').count()) !== 0) {
        throw new Error('a closed step can still be changed');
    }
    await expectText(page, 'Rang the social worker: at a hospital appointment with the carer');
    await screenshot(page, 'safeguarding-closed.png');
}
