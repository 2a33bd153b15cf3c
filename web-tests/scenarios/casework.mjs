// The attendance officer works an alert into a case: opens it from the worklist, logs a phone
// call, books a meeting, records an attendance contract with its review today, and finds that
// review on their list for the day.
//
// data: {username, password, today, pupil: {upn, name, form}: a pupil with an alert and no case}
export default async function casework({ baseUrl, data, launch, signIn, screenshot, expectText }) {
    const { newPage } = await launch();
    const page = await newPage();
    // A tablet held upright.
    await page.setViewportSize({ width: 820, height: 1180 });
    await signIn(page, baseUrl, data.username, data.password);
    await page.click('nav a[href="/alerts"]');
    await expectText(page, 'Alerts to look at');
    // Only the pupil's form.
    const filters = page.locator('form.filters');
    await filters.locator('select[name=form]').selectOption(data.pupil.form);
    await Promise.all([page.waitForEvent('load'), filters.getByRole('button', { name: 'Filter' }).click()]);
    const alert = page.locator(`article#alert-${data.pupil.upn}`).first();
    await alert.waitFor({ state: 'visible' });
    await screenshot(page, 'casework-alerts.png');
    await Promise.all([
        page.waitForEvent('load'),
        alert.getByRole('button', { name: 'Open a case' }).click(),
    ]);
    if (!/\/cases\/\d+$/.test(page.url())) {
        throw new Error(`opening a case led to ${page.url()}`);
    }
    await expectText(page, `: ${data.pupil.name}`);
    await expectText(page, 'Opened from the alert');

    // A phone call home.
    const log = page.locator('form.action');
    await log.locator('select[name=kind]').selectOption('phone_call');
    await log.locator('textarea[name=summary]').fill('Spoke to mum: mornings are hard, agreed to meet');
    await log.locator('input[name=review_on]').fill('');
    await Promise.all([page.waitForEvent('load'), log.getByRole('button', { name: 'Log the action' }).click()]);
    await expectText(page, 'Spoke to mum: mornings are hard, agreed to meet');

    // A meeting booked.
    const meeting = page.locator('form.meeting');
    await meeting.locator('select[name=meeting_status]').selectOption('invited');
    await meeting.locator('input[name=summary]').fill('Meeting with parents on Friday at 9:00');
    await meeting.locator('input[name=attended]').fill('Mother, head of year');
    await Promise.all([page.waitForEvent('load'), meeting.getByRole('button', { name: 'Record the meeting' }).click()]);
    await expectText(page, 'Meeting with parents on Friday at 9:00');
    await expectText(page, 'Meeting: Invited');

    // An attendance contract, to be reviewed today.
    const contract = page.locator('form.contract');
    await contract.locator('select[name=kind]').selectOption('attendance');
    await contract.locator('textarea[name=difficulties]').fill('Getting up and out in the morning');
    await contract.locator('input[name=party1]').fill('Parent');
    await contract.locator('input[name=undertaking1]').fill('An alarm at 7:00 and breakfast at home');
    await contract.locator('input[name=owner1]').fill('Mother');
    await contract.locator('input[name=party2]').fill('School');
    await contract.locator('input[name=undertaking2]').fill('A place at breakfast club');
    await contract.locator('input[name=owner2]').fill('Head of year');
    await contract.locator('input[name=target]').fill('95');
    await contract.locator('input[name=start]').fill('2025-06-30');
    await contract.locator('input[name=review_on]').fill(data.today);
    await contract.locator('input[name=signed1]').fill('Mary Parent');
    await contract.locator('input[name=signed2]').fill('Sam Patel');
    await Promise.all([page.waitForEvent('load'), contract.getByRole('button', { name: 'Record the contract' }).click()]);
    await expectText(page, 'Attendance contract');
    await expectText(page, 'A place at breakfast club');
    await expectText(page, 'Attendance since the start');
    await screenshot(page, 'casework-contract.png');

    // The review is on the officer's list today.
    await page.goto(`${baseUrl}/cases/due`);
    await expectText(page, 'My list for');
    const mine = page.getByRole('article', { name: new RegExp(`${data.pupil.name}$`) });
    await mine.waitFor({ state: 'visible' });
    const text = await mine.innerText();
    if (!text.includes('Review of the contract agreed due')) {
        throw new Error(`the list reads ${text}`);
    }
    await screenshot(page, 'casework-due.png');
}
