// A form tutor takes the morning register on a tablet: "All present", then one pupil late
// (arrived 08:57) and one absent (N), and saves.
//
// data: {username, password,
//        register: path of the register, e.g. "/registers/7A/2025-07-08/AM",
//        late: UPN of the pupil who arrived at 08:57,
//        absent: UPN of the pupil who is absent}
export default async function tutorRegister({ baseUrl, data, launch, signIn, screenshot, expectText }) {
    const { newPage } = await launch();
    const page = await newPage();
    // A tablet held upright.
    await page.setViewportSize({ width: 820, height: 1180 });
    await signIn(page, baseUrl, data.username, data.password);
    await expectText(page, 'My registers now');
    await expectText(page, 'Not taken');

    await page.click(`a[href="${data.register}"]`);
    await page.waitForURL(`**${data.register}`);
    await expectText(page, 'register: ');
    await expectText(page, '0 of ');

    // The button fills every unmarked pupil with present, in the page.
    await page.click('[data-all-present]');
    const unmarked = await page.$$eval('select[data-mark]', (all) => all.filter((s) => !s.value).length);
    if (unmarked !== 0) {
        throw new Error(`${unmarked} pupils are still unmarked after "All present"`);
    }
    if (!page.url().endsWith(data.register)) {
        throw new Error(`"All present" left the page: ${page.url()}`);
    }

    await page.selectOption(`#mark-${data.late}`, 'L');
    await page.fill(`#arrival-${data.late}`, '08:57');
    await page.selectOption(`#mark-${data.absent}`, 'N');
    await screenshot(page, 'register.png');

    await Promise.all([
        page.waitForURL('**?saved=*'),
        page.locator('button[name=action][value=save]').last().click(),
    ]);
    await expectText(page, 'Register saved:');
    await expectText(page, 'Every pupil is marked.');
    await expectText(page, 'arrived 08:57');
    const late = await page.inputValue(`#mark-${data.late}`);
    const absent = await page.inputValue(`#mark-${data.absent}`);
    if (late !== 'L' || absent !== 'N') {
        throw new Error(`after saving the marks read ${late} and ${absent}, not L and N`);
    }
    await screenshot(page, 'register-done.png');
}
