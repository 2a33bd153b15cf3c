// The headteacher opens the overview, follows a year group's persistent absence figure to the
// list, filters it, and opens a pupil's record from it.
//
// data: {password, year_group}
export default async function senior({ baseUrl, data, launch, signIn, screenshot, expectText }) {
    const { newPage } = await launch();
    const page = await newPage();
    await signIn(page, baseUrl, 'head', data.password);
    if (!page.url().endsWith('/overview')) {
        throw new Error(`the headteacher starts at ${page.url()}, not /overview`);
    }
    await expectText(page, 'Attendance overview');
    await expectText(page, "Today's registers");
    await expectText(page, 'By year group');
    await expectText(page, 'By form');
    await screenshot(page, 'overview.png');

    // The year group's persistent absence figure links to its pupils.
    const year = String(data.year_group);
    const link = page.locator(`a[href="/overview/persistent?year_group=${year}"]`).first();
    await Promise.all([page.waitForEvent('load'), link.click()]);
    await expectText(page, 'Persistent absence');
    await expectText(page, `Filters: year ${year}`);

    // Filter further with the form: pupils eligible for free school meals.
    // The filters are open when a filter is set; open them otherwise.
    if (!(await page.locator('details').first().evaluate((d) => d.open))) {
        await page.locator('details summary').click();
    }
    await page.selectOption('select#fsm', 'true');
    await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Show pupils' }).click()]);
    await expectText(page, 'free school meals: yes');
    if (!page.url().includes('fsm=true') || !page.url().includes(`year_group=${year}`)) {
        throw new Error(`the filter form led to ${page.url()}`);
    }
    // Back to the whole year group's list for the screenshot.
    await page.goto(`${baseUrl}/overview/persistent?year_group=${year}`);
    await screenshot(page, 'persistent.png');

    const first = page.locator('tbody th a[href^="/pupils/"]').first();
    if ((await first.count()) > 0) {
        await Promise.all([page.waitForEvent('load'), first.click()]);
        await expectText(page, 'Register this year');
    }
}
