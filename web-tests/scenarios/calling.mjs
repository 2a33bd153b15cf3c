// The office rings down the first-day calling list after the morning register has closed: no
// answer from one pupil's mother, logged; she rings back with the reason, logged as the pupil's,
// and the list shrinks. A voicemail is left for a vulnerable pupil's carer, who stays on the list.
//
// data: {username, password,
//        pupil: {upn, name, contact}: a pupil marked N and their mother's contact reference,
//        vulnerable: {upn, name, contact}: a vulnerable pupil marked N and a contact to try,
//        count: how many pupils are to call at first}
export default async function calling({ baseUrl, data, launch, signIn, screenshot, expectText, expectNoText }) {
    const { newPage } = await launch();
    const page = await newPage();
    await page.setViewportSize({ width: 1024, height: 900 });
    await signIn(page, baseUrl, data.username, data.password);
    await page.click('a[href="/office/calling-list"]');
    await expectText(page, 'The register closed at 09:10.');
    await expectText(page, `${data.count} to call.`);
    await screenshot(page, 'calling-list.png');

    const row = (upn) => page.locator(`li#pupil-${upn}`);
    const log = async (who, outcome, { note, code } = {}) => {
        const form = row(who.upn).locator('form.attempt');
        await form.locator('select[name=contact]').selectOption(who.contact);
        await form.locator('select[name=outcome]').selectOption(outcome);
        if (note) {
            await form.locator('input[name=note]').fill(note);
        }
        if (code) {
            await form.locator('select[name=code]').selectOption(code);
        }
        await Promise.all([page.waitForEvent('load'), form.getByRole('button', { name: 'Log the call' }).click()]);
    };

    // No answer: logged against the pupil, who stays on the list.
    await log(data.pupil, 'no_answer');
    await expectText(page, 'Call logged:');
    await expectText(page, `${data.pupil.name} stays on the list.`);
    const calls = row(data.pupil.upn).getByRole('list', { name: `Calls today about ${data.pupil.name}` });
    await calls.waitFor({ state: 'visible' });
    if (!(await calls.innerText()).includes('no answer')) {
        throw new Error(`the calls logged read ${await calls.innerText()}`);
    }
    await expectText(page, `${data.count} to call.`);

    // A voicemail for the vulnerable pupil's contact: still to call.
    await log(data.vulnerable, 'voicemail', { note: 'Asked to ring the office' });
    await expectText(page, 'voicemail left');
    await expectText(page, `${data.count} to call.`);

    // The mother rings back with the reason: the pupil's reason, and the list shrinks.
    await log(data.pupil, 'reason_given', { note: 'Tonsillitis, seeing the GP', code: 'I' });
    await expectText(page, `Reason recorded for ${data.pupil.name}`);
    await expectText(page, `${data.count - 1} to call.`);
    if ((await row(data.pupil.upn).count()) !== 0) {
        throw new Error('the pupil whose reason came in is still listed');
    }
    await row(data.vulnerable.upn).waitFor({ state: 'visible' });
    await screenshot(page, 'calling-list-logged.png');

    // Reloading the list shows the same.
    await page.goto(`${baseUrl}/office/calling-list`);
    await expectText(page, `${data.count - 1} to call.`);
    await expectNoText(page, 'Reason recorded for');
}
