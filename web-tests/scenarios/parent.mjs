// A parent signs in, sees their child on "My children", opens the child's record, and is refused
// another pupil's record; refused a staff page, they find their way back or sign out.
//
// data: {baseUrl?, password, child: {upn, name}, other: {upn, name}}
export default async function parent({ baseUrl, data, launch, signIn, screenshot, expectText, expectNoText }) {
    const { newPage } = await launch();
    const page = await newPage();
    await signIn(page, baseUrl, 'parent', data.password);
    await expectText(page, 'My children');
    await expectText(page, data.child.name);
    await expectNoText(page, data.other.name);
    await screenshot(page, 'parent.png');

    // The child's record, reached by the link on the page (as a parent would).
    await Promise.all([page.waitForEvent('load'), page.getByRole('link', { name: data.child.name }).click()]);
    if (!page.url().endsWith(`/pupils/${data.child.upn}`)) {
        throw new Error(`the child's link led to ${page.url()}`);
    }
    await expectText(page, data.child.upn);
    await expectText(page, 'Year to date');
    await expectText(page, 'Register this year');
    const cells = await page.locator('td[data-session] .code').count();
    if (cells === 0) {
        throw new Error('the register grid shows no session');
    }
    await screenshot(page, 'pupil-record.png');

    // Another pupil's record is refused, without saying whether the pupil exists.
    const refused = await page.goto(`${baseUrl}/pupils/${data.other.upn}`);
    if (!refused || refused.status() !== 403) {
        throw new Error(`another pupil's record answered ${refused ? refused.status() : 'nothing'}, not 403`);
    }
    await expectNoText(page, data.other.name);
    const unknown = await page.goto(`${baseUrl}/pupils/A000000000000`);
    if (!unknown || unknown.status() !== 403) {
        throw new Error(`an unknown UPN answered ${unknown ? unknown.status() : 'nothing'}, not 403`);
    }

    // Staff pages are refused too.
    const overview = await page.goto(`${baseUrl}/overview`);
    if (!overview || overview.status() !== 403) {
        throw new Error(`the overview answered ${overview ? overview.status() : 'nothing'} to a parent`);
    }

    // The refusal is not a dead end: the parent's own navigation and the sign-out button are there.
    await expectText(page, 'you do not have access to this page');
    await screenshot(page, 'parent-refused.png');
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'My children' }).waitFor({ state: 'visible' });
    const signOut = page.getByRole('button', { name: 'Sign out' });
    await signOut.waitFor({ state: 'visible' });
    await Promise.all([page.waitForURL('**/sign-in'), signOut.click()]);
    await expectText(page, 'Sign in to Rollcall');
    const after = await page.goto(`${baseUrl}/children`);
    if (!after || !after.url().endsWith('/sign-in')) {
        throw new Error(`after signing out, My children answered ${after ? after.url() : 'nothing'}`);
    }
}
