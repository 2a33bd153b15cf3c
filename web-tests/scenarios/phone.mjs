// A parent and a form tutor on a phone (390 × 844): every page they use fits the screen's width
// without scrolling the page sideways, the register's mark and arrival time are on screen for
// every pupil, and the record's register grid shows Friday.
//
// data: {password, width, height,
//        parent: {pages: [paths], record: path of their child's record},
//        tutor: {pages: [paths], register: path of an open register, late: UPN of a pupil who
//                arrives late, record: path of a pupil's record}}
export default async function phone({ baseUrl, data, launch, signIn, screenshot, expectText }) {
    const width = data.width;

    /** Fails when the page is wider than the screen. */
    async function fits(page, what) {
        const wide = await page.evaluate(() => ({
            document: document.documentElement.scrollWidth,
            body: document.body.scrollWidth,
        }));
        if (wide.document > width || wide.body > width) {
            // Name the widest elements, to say what to put right.
            const culprits = await page.evaluate((w) => {
                const out = [];
                for (const el of document.querySelectorAll('body *')) {
                    const r = el.getBoundingClientRect();
                    if (r.right > w + 0.5 && r.width > 0) {
                        out.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.className ? '.' + String(el.className).replace(/ /g, '.') : ''} right=${Math.round(r.right)}`);
                    }
                }
                return out.slice(0, 8);
            }, width);
            throw new Error(`${what} is ${wide.document}px wide on a ${width}px screen: ${culprits.join(', ')}`);
        }
    }

    /** Fails unless the element is shown, whole, within the screen's width. */
    async function onScreen(locator, what) {
        await locator.scrollIntoViewIfNeeded();
        if (!(await locator.isVisible())) {
            throw new Error(`${what} is not shown`);
        }
        const box = await locator.boundingBox();
        if (!box || box.x < 0 || box.x + box.width > width + 0.5) {
            throw new Error(`${what} is outside the screen: ${JSON.stringify(box)}`);
        }
    }

    async function visit(page, path, shot) {
        const response = await page.goto(`${baseUrl}${path}`);
        if (!response || ![200, 403].includes(response.status())) {
            throw new Error(`${path} answered ${response ? response.status() : 'nothing'}`);
        }
        await fits(page, path);
        if (shot) {
            await screenshot(page, shot);
        }
    }

    // The parent.
    {
        const { newPage } = await launch();
        const page = await newPage();
        await page.setViewportSize({ width, height: data.height });
        await signIn(page, baseUrl, 'parent', data.password);
        await expectText(page, 'My children');
        await fits(page, 'the parent\'s start page');
        await screenshot(page, 'phone-parent.png');
        for (const path of data.parent.pages) {
            await visit(page, path);
        }
        await visit(page, data.parent.record, 'phone-parent-record.png');
        await friday(page, 'the parent\'s view of their child\'s record');
    }

    // The form tutor.
    {
        const { newPage } = await launch();
        const page = await newPage();
        await page.setViewportSize({ width, height: data.height });
        await signIn(page, baseUrl, 'tutor7a', data.password);
        await expectText(page, 'My registers now');
        await fits(page, 'the tutor\'s start page');
        for (const path of data.tutor.pages) {
            await visit(page, path);
        }
        await visit(page, data.tutor.record);
        await friday(page, 'a pupil\'s record for their tutor');

        await visit(page, data.tutor.register, 'phone-register.png');
        const marks = page.locator('select[data-mark]');
        const count = await marks.count();
        if (count === 0) {
            throw new Error('the register shows no pupil');
        }
        for (const i of [0, count - 1]) {
            await onScreen(marks.nth(i), `the mark of pupil ${i + 1}`);
            await onScreen(page.locator('input[type=time]').nth(i), `the arrival time of pupil ${i + 1}`);
        }
        // The register is taken on the phone: a pupil late at 08:57, everyone else present.
        await page.click('[data-all-present]');
        await page.selectOption(`#mark-${data.tutor.late}`, 'L');
        const arrival = page.locator(`#arrival-${data.tutor.late}`);
        await onScreen(arrival, 'the late pupil\'s arrival time');
        await arrival.fill('08:57');
        const save = page.locator('button[name=action][value=save]').last();
        await onScreen(save, 'the save button');
        await Promise.all([page.waitForURL('**?saved=*'), save.click()]);
        await expectText(page, 'Register saved:');
        const mark = await page.inputValue(`#mark-${data.tutor.late}`);
        const time = await page.inputValue(`#arrival-${data.tutor.late}`);
        if (mark !== 'L' || time !== '08:57') {
            throw new Error(`after saving the late pupil reads ${mark} at ${time}, not L at 08:57`);
        }
        await onScreen(page.locator(`#arrival-${data.tutor.late}`), 'the saved arrival time');
        await fits(page, 'the register after saving');
        await screenshot(page, 'phone-register-saved.png');
    }

    /** Fails unless Friday's column of the register grid is on screen. */
    async function friday(page, what) {
        const head = page.locator('table.register thead th', { hasText: 'Fri' });
        await onScreen(head, `Friday's heading on ${what}`);
        // The last cell of the first school week's row is Friday afternoon.
        const cell = page.locator('table.register tbody tr').first().locator('td').last();
        await onScreen(cell, `Friday afternoon on ${what}`);
    }
}
