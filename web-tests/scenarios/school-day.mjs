// The office during the school day: at 11:00 a pupil leaves for the dentist, collected by a
// contact permitted to collect them, and is signed out; they come back at 13:50, after the
// afternoon register closed, and are signed back in (the office's clock then reads 14:00). The
// afternoon is M; the morning keeps its mark, with the time out beside it.
//
// The same school is served twice, its clock stopped at 11:00 (baseUrl) and at 14:00
// (data.later); the browser's session works on both.
//
// data: {username, password, later,
//        pupil: {upn, surname, name}: the pupil signed out,
//        collector: the reference of the contact who collects them,
//        registers: {am, pm}: paths of that pupil's registers today}
export default async function schoolDay({ baseUrl, data, launch, signIn, screenshot, expectText }) {
    const { newPage } = await launch();
    const page = await newPage();
    await page.setViewportSize({ width: 1024, height: 900 });
    await signIn(page, baseUrl, data.username, data.password);
    await expectText(page, 'Registers not taken today');

    // The desk: find the pupil, then sign them out.
    await Promise.all([page.waitForURL('**/office/out'), page.click('main a.button[href="/office/out"]')]);
    await expectText(page, 'Nobody has been signed out today.');
    await page.fill('#q', data.pupil.surname);
    await Promise.all([page.waitForURL('**/office/out?q=*'), page.click('form[role=search] button')]);
    await Promise.all([
        page.waitForURL(`**/office/out?upn=${data.pupil.upn}`),
        page.click(`a[href="/office/out?upn=${data.pupil.upn}"]`),
    ]);
    await expectText(page, 'Collected by');
    await page.fill('#time-out', '11:00');
    await page.check('#reason-appointment');
    await page.fill('#detail', 'Dentist');
    await page.check(`#collector-${data.collector}`);
    await screenshot(page, 'school-day-form.png');
    await Promise.all([page.waitForLoadState('load'), page.click('#sign-out-button')]);
    await expectText(page, `Signed out: ${data.pupil.name} at 11:00`);
    await expectText(page, 'The register is completed when they are signed back in.');
    await expectText(page, '1 pupil is out now.');
    await screenshot(page, 'school-day-out.png');

    // Back at 13:50, signed in at 14:00.
    await page.goto(`${data.later}/office/out`);
    await expectText(page, 'it is 14:00');
    await expectText(page, '1 pupil is out now.');
    const back = page.locator('form[action$="/in"]').first();
    await back.locator('input[type=time]').fill('13:50');
    await Promise.all([page.waitForLoadState('load'), back.locator('button[type=submit]').click()]);
    await expectText(page, `Signed back in: ${data.pupil.name} at 13:50`);
    await expectText(page, 'afternoon (PM): marked M Leave of absence: medical or dental appointment');
    await expectText(page, '0 pupils are out now.');
    await screenshot(page, 'school-day-back.png');

    // The registers follow.
    await page.goto(`${data.later}${data.registers.pm}`);
    const pm = await page.inputValue(`#mark-${data.pupil.upn}`);
    if (pm !== 'M') {
        throw new Error(`the afternoon mark reads ${pm}, not M`);
    }
    await expectText(page, 'Signed out 11:00–13:50');
    await page.goto(`${data.later}${data.registers.am}`);
    const am = await page.inputValue(`#mark-${data.pupil.upn}`);
    if (am !== '/') {
        throw new Error(`the morning mark reads ${am}, not /`);
    }
    await expectText(page, 'Signed out 11:00–13:50');
    await screenshot(page, 'school-day-register.png');
}
