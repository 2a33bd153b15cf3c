// Checks the harness itself (crates/testkit/tests/browser.rs serves the
// pages): signIn() fills and submits the sign-in form, and expectText() /
// expectNoText() see the answer.
//
// data: {username, password,
//        expect?: text that must show after signing in (default
//                 "Signed in as <username>"),
//        unexpected?: text that must not (default "Sign in failed"),
//        screenshot?: file name of the screenshot taken after signing in}
export default async function harnessSignIn({ baseUrl, data, launch, signIn, screenshot, expectText, expectNoText }) {
    const { newPage } = await launch();
    const page = await newPage();
    await signIn(page, baseUrl, data.username, data.password);
    await screenshot(page, data.screenshot ?? 'harness-sign-in.png');
    await expectText(page, data.expect ?? `Signed in as ${data.username}`);
    await expectNoText(page, data.unexpected ?? 'Sign in failed');
}
