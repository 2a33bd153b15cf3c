// Smoke test: the home page loads, has a <title>, and can be screenshotted.
export default async function smoke({ baseUrl, launch, screenshot }) {
    const { newPage } = await launch();
    const page = await newPage();
    const response = await page.goto(`${baseUrl}/`);
    if (!response || !response.ok()) {
        throw new Error(`GET ${baseUrl}/ answered ${response ? response.status() : 'nothing'}`);
    }
    const title = (await page.title()).trim();
    if (!title) {
        throw new Error(`${page.url()} has no <title> (or an empty one)`);
    }
    await screenshot(page, 'smoke.png');
}
