// Following up absence across three people:
// 1. a parent on a phone reports their child ill, with a photograph of a doctor's note;
// 2. the form tutor sees "Reported ill" beside the child on the register;
// 3. the office records the report as I with one action;
// 4. the parent asks for leave for a holiday; the headteacher sees the decision support and
//    refuses it; the parent sees the decision and its reason.
//
// data: {password, width, height, child: {upn, name}, register: path of the child's register,
//        leave: {first, last, reason}, refusal}
export default async function followUp({ baseUrl, data, launch, signIn, screenshot, expectText }) {
    // Each person signs in in a browser of their own.
    const newPage = async () => (await launch()).newPage();

    async function fits(page, what) {
        const wide = await page.evaluate(() => document.documentElement.scrollWidth);
        if (wide > data.width) {
            throw new Error(`${what} is ${wide}px wide on a ${data.width}px screen`);
        }
    }

    // 1. The parent reports an illness from their phone.
    const parent = await newPage();
    await parent.setViewportSize({ width: data.width, height: data.height });
    await signIn(parent, baseUrl, 'parent', data.password);
    await Promise.all([
        parent.waitForEvent('load'),
        parent.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Report an absence' }).click(),
    ]);
    await expectText(parent, 'Report an absence');
    await fits(parent, 'the report form');
    await parent.selectOption('#upn', data.child.upn);
    await parent.getByLabel('Illness').check();
    await parent.fill('#details', 'Sickness in the night and a temperature');
    await parent.setInputFiles('#evidence', {
        name: 'note.png',
        mimeType: 'image/png',
        buffer: Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'),
    });
    await screenshot(parent, 'follow-up-report.png');
    await Promise.all([parent.waitForEvent('load'), parent.getByRole('button', { name: 'Send the report' }).click()]);
    await expectText(parent, 'The school has your report');
    await expectText(parent, 'Your file was received');
    await fits(parent, 'the report receipt');

    // 2. The tutor sees it beside the child on the register.
    const tutor = await newPage();
    await signIn(tutor, baseUrl, 'tutor7a', data.password);
    await tutor.goto(`${baseUrl}${data.register}`);
    const row = tutor.locator('tr', { has: tutor.locator(`#mark-${data.child.upn}`) });
    const note = row.locator('[data-reported]');
    await note.waitFor({ state: 'visible' });
    const text = await note.innerText();
    if (!text.includes('Reported ill')) {
        throw new Error(`the register shows "${text}" beside the child, not "Reported ill"`);
    }
    await screenshot(tutor, 'follow-up-register.png');

    // 3. The office records it with one action.
    const office = await newPage();
    await signIn(office, baseUrl, 'office', data.password);
    await office.goto(`${baseUrl}/office/reports`);
    const report = office.locator('tr[data-report]', { hasText: data.child.name });
    await report.waitFor({ state: 'visible' });
    await Promise.all([
        office.waitForURL('**/office/reports?done=*'),
        report.getByRole('button', { name: /Record as I/ }).click(),
    ]);
    await expectText(office, 'Recorded as I');
    if ((await office.locator('tr[data-report]', { hasText: data.child.name }).count()) !== 0) {
        throw new Error('the report is still waiting after it was recorded');
    }

    // 4. The parent asks for leave for a holiday.
    await parent.goto(`${baseUrl}/children/leave`);
    await fits(parent, 'the leave form');
    await parent.selectOption('#upn', data.child.upn);
    await parent.selectOption('#code', 'C');
    await parent.fill('#reason', data.leave.reason);
    await parent.fill('#first_date', data.leave.first);
    await parent.fill('#last_date', data.leave.last);
    await Promise.all([parent.waitForEvent('load'), parent.getByRole('button', { name: 'Send the application' }).click()]);
    await expectText(parent, 'Your application has been sent');

    // The headteacher weighs it and refuses.
    const head = await newPage();
    await signIn(head, baseUrl, 'head', data.password);
    await head.goto(`${baseUrl}/leave`);
    const application = head.locator('tr[data-leave]', { hasText: data.child.name });
    await Promise.all([
        head.waitForEvent('load'),
        application.getByRole('link', { name: 'Waiting for a decision' }).click(),
    ]);
    await expectText(head, 'Decision support');
    await expectText(head, 'End of year if granted');
    await expectText(head, 'Unauthorised sessions, last 10 school weeks');
    await expectText(head, "days' notice");
    await screenshot(head, 'follow-up-decision.png');
    await head.getByLabel('Refuse').check();
    await head.fill('#reason', data.refusal);
    await Promise.all([head.waitForEvent('load'), head.getByRole('button', { name: 'Record the decision' }).click()]);
    await expectText(head, 'Decision recorded: Refused');

    // The parent sees the decision and why.
    await parent.goto(`${baseUrl}/children/updates`);
    await expectText(parent, 'refused');
    await expectText(parent, data.refusal);
    await fits(parent, 'the parent\'s reports and leave');
    await screenshot(parent, 'follow-up-parent-decision.png');
}
