// Lighthouse's performance score for the pages named on the command line, as a
// phone sees them: Lighthouse 12's default mobile run (simulated slow 4G and a
// 4× slower CPU), in Debian's Chromium like the browser tests; no browser is
// ever downloaded. Each page runs three times and the median run counts, as
// Lighthouse advises. Prints one JSON line per page for `antrean-bench lighthouse`.
import lighthouse from "lighthouse";
import * as chromeLauncher from "chrome-launcher";

const RUNS = 3;
const urls = process.argv.slice(2);
const chrome = await chromeLauncher.launch({
	chromePath: process.env.ANTREAN_CHROMIUM ?? "/usr/bin/chromium",
	chromeFlags: ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-component-update"],
});
try {
	for (const url of urls) {
		const runs = [];
		for (let run = 0; run < RUNS; run++) {
			const { lhr } = await lighthouse(url, { port: chrome.port, onlyCategories: ["performance"], logLevel: "error" });
			if (lhr.runtimeError) {
				throw new Error(`${url}: ${lhr.runtimeError.message}`);
			}
			runs.push({
				url,
				score: lhr.categories.performance.score,
				lcp_ms: lhr.audits["largest-contentful-paint"].numericValue,
				fcp_ms: lhr.audits["first-contentful-paint"].numericValue,
				tbt_ms: lhr.audits["total-blocking-time"].numericValue,
				cls: lhr.audits["cumulative-layout-shift"].numericValue,
				lighthouse: lhr.lighthouseVersion,
				browser: lhr.environment.hostUserAgent,
			});
		}
		runs.sort((a, b) => a.score - b.score);
		console.log(JSON.stringify(runs[Math.floor(RUNS / 2)]));
	}
} finally {
	await chrome.kill();
}
