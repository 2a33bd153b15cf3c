// A governor signs in, sees the school's figures and trends, and no pupil anywhere.
//
// data: {password, pupils: [{upn, name}] (pupils who must not appear)}
export default async function governor({ baseUrl, data, launch, signIn, screenshot, expectText, expectNoText }) {
    const { newPage } = await launch();
    const page = await newPage();
    await signIn(page, baseUrl, 'governor', data.password);
    if (!page.url().endsWith('/governors')) {
        throw new Error(`a governor starts at ${page.url()}, not /governors`);
    }
    await expectText(page, 'Attendance figures');
    await expectText(page, 'Month by month');
    await expectText(page, 'By group of pupils');
    await expectText(page, 'Free school meals');
    await expectText(page, 'England');
    for (const p of data.pupils) {
        await expectNoText(page, p.upn, { timeout: 0 });
        await expectNoText(page, p.name, { timeout: 0 });
    }
    const html = await page.content();
    if (/\b[A-Z]\d{11}[0-9A-Z]\b/.test(html)) {
        throw new Error('the governors page holds something shaped like a UPN');
    }
    if (html.includes('/pupils/')) {
        throw new Error('the governors page links to a pupil');
    }
    await screenshot(page, 'governors.png');

    const record = await page.goto(`${baseUrl}/pupils/${data.pupils[0].upn}`);
    if (!record || record.status() !== 403) {
        throw new Error(`a pupil's record answered ${record ? record.status() : 'nothing'} to a governor`);
    }
}
