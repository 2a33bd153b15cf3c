// Rewards and eligibility, by two people on browsers of their own:
// 1. a head of year opens Rewards, lists the pupils of their year with 100% attendance in the
//    spring term, and downloads nothing: the list and its count are on the page;
// 2. they check eligibility for a trip over the year so far at 95%: a pupil below it is on the
//    "not eligible" list with their attendance and the threshold;
// 3. the attendance officer sets that pupil an own target of 50% for a medical condition;
// 4. the head of year checks again: the pupil is eligible, and the reason names the target.
//
// data: {password, spring: period key, count: pupils earning 100% in the spring term,
//        pupil: {upn, name}: a year 9 pupil below 95% this year}
export default async function rewards({ baseUrl, data, launch, signIn, screenshot, expectText }) {
    const newPage = async () => (await launch()).newPage();

    // 1. The head of year's 100% list for the spring term.
    const hoy = await newPage();
    await signIn(hoy, baseUrl, 'hoy9', data.password);
    await Promise.all([
        hoy.waitForEvent('load'),
        hoy.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Rewards' }).click(),
    ]);
    await expectText(hoy, 'Rewards');
    await hoy.selectOption('#reward', 'full_term');
    await hoy.selectOption('#period', data.spring);
    await Promise.all([hoy.waitForEvent('load'), hoy.getByRole('button', { name: 'Show the list' }).click()]);
    await expectText(hoy, '100% attendance this term');
    const count = (await hoy.locator('#reward-count strong').innerText()).trim();
    if (count !== String(data.count)) {
        throw new Error(`the page lists ${count} pupils with 100%, the school's figures ${data.count}`);
    }
    await screenshot(hoy, 'rewards-full-term.png');

    // 2. Eligibility for a trip over the year so far.
    await Promise.all([
        hoy.waitForEvent('load'),
        hoy.getByRole('link', { name: 'Eligibility for trips and events' }).click(),
    ]);
    await hoy.fill('#threshold', '95');
    await Promise.all([hoy.waitForEvent('load'), hoy.getByRole('button', { name: 'Show who is eligible' }).click()]);
    await expectText(hoy, 'Not eligible');
    const below = hoy.locator('#not-eligible tr', { hasText: data.pupil.name });
    await below.waitFor({ state: 'visible' });
    if (!(await below.innerText()).includes('below 95%, the standard threshold')) {
        throw new Error(`the reason does not say why: ${await below.innerText()}`);
    }
    await screenshot(hoy, 'rewards-eligibility.png');

    // 3. The attendance officer sets the pupil's own target.
    const officer = await newPage();
    await signIn(officer, baseUrl, 'attendance', data.password);
    await officer.goto(`${baseUrl}/pupils/${data.pupil.upn}/target`);
    await expectText(officer, `Own attendance target: ${data.pupil.name}`);
    await officer.fill('#rate', '50');
    await officer.fill('#reason', 'Medical condition: hospital treatment');
    await officer.fill('#from', '2024-09-01');
    await Promise.all([officer.waitForEvent('load'), officer.getByRole('button', { name: 'Set the target' }).click()]);
    await expectText(officer, 'Target set.');
    await expectText(officer, 'in force');
    await screenshot(officer, 'rewards-target.png');

    // 4. The head of year checks again.
    await hoy.reload();
    const now = hoy.locator('#eligible tr', { hasText: data.pupil.name });
    await now.waitFor({ state: 'visible' });
    const text = await now.innerText();
    if (!text.includes('Medical condition: hospital treatment') || !text.includes('own target')) {
        throw new Error(`the pupil's own target is not shown: ${text}`);
    }
    await screenshot(hoy, 'rewards-eligible-by-target.png');
}
