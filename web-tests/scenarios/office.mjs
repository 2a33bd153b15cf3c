// The office after the morning register has closed: a pupil arrives late and is signed in (U),
// then a mark in a register is changed, with a reason.
//
// data: {username, password,
//        late: {upn, surname}: the pupil who arrives at 09:40,
//        register: path of that pupil's morning register,
//        reason: why the mark is changed}
export default async function office({ baseUrl, data, launch, signIn, screenshot, expectText }) {
    const { newPage } = await launch();
    const page = await newPage();
    await page.setViewportSize({ width: 1024, height: 768 });
    await signIn(page, baseUrl, data.username, data.password);
    await expectText(page, 'Registers not taken today');
    await screenshot(page, 'office.png');

    // Late sign-in: find the pupil, give the time, sign in.
    await page.click('a[href="/office/late"]');
    await page.fill('#q', data.late.surname);
    await Promise.all([page.waitForURL('**/office/late?q=*'), page.click('form[role=search] button')]);
    const time = page.locator(`#time-${data.late.upn}`);
    await time.fill('09:40');
    await Promise.all([
        page.waitForLoadState('load'),
        time.locator('xpath=ancestor::form').locator('button[type=submit]').click(),
    ]);
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
}
