/*
 * The HTML posture report in a real browser: the headless Chromium the devDependency
 * `@sparticuz/chromium` ships inside its npm package (test/support/browser.ts; `CHROMIUM_PATH`
 * picks another), driven by playwright-core. Nothing to install besides `npm ci`.
 * The screenshot is kept in test-output/ for a person to look at.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as iot from 'aws-cdk-lib/aws-iot';
import { Browser, chromium } from 'playwright-core';
import { POSTURE_REPORT_FILES, RiskProfile, SecurityPostureReport } from '../../lib';
import { chromiumLaunch } from '../support/browser';

const SCREENSHOT = path.join(__dirname, '..', '..', 'test-output', 'posture-report.png');

// Runs in the page; typed here without the DOM library, which the rest of the project must not see.
const WIDTHS = '({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth })';

let browser: Browser;
let html: string;

beforeAll(async () => {
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'posture-browser-')) });
  const env = { account: '111122223333', region: 'eu-west-1' };
  const fleet = new Stack(app, 'IndustrialFleetWithALongStackNameThatMustWrapInsteadOfScrolling', { env });
  SecurityPostureReport.declareProfile(fleet, RiskProfile.INDUSTRIAL);
  const marker = new iot.CfnThingGroup(fleet, 'Zones', { thingGroupName: 'zones' });
  marker.cfnOptions.metadata = {
    'cdk-secure-iot:segmentation': {
      zones: ['edge', 'processing', 'management', 'data'],
      flows: [{ from: 'edge', to: 'processing', port: 'tcp/8883' }, { from: 'processing', to: 'data', port: 'tcp/443' }, { from: 'management', to: 'edge', port: 'tcp/22' }],
    },
  };
  new Stack(app, 'Baseline', { env });
  Validations.of(app).addPlugins(new SecurityPostureReport(app, { failOnMissingPractice: false }));
  app.synth();
  html = path.join(app.outdir, POSTURE_REPORT_FILES.html);
  browser = await chromium.launch(await chromiumLaunch());
});

afterAll(async () => {
  await browser?.close();
});

test('the page shows the practice matrix and the zone graph, fits the window, fetches nothing, and is kept as a screenshot', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(`file://${html}`);

  const headers = await page.locator('#matrix tr').first().locator('th').allTextContents();
  expect(headers.slice(1)).toEqual(['P1', 'P2', 'P3', 'P4', 'P5', 'P6', 'P7', 'P8', 'P9', 'P10']);
  // One environment row and its two stacks, ten status cells each, every one with a word, not colour alone.
  const cells = await page.locator('#matrix td.s').allTextContents();
  expect(cells).toHaveLength(30);
  for (const c of cells) expect(c).toMatch(/^[✓◐✗] (met|partial|missing)$/);

  expect(await page.locator('#zone-graph svg.zones g.zone').count()).toBe(4);
  expect(await page.locator('#zone-graph svg.zones line.flow').count()).toBe(3);
  expect(await page.locator('#zone-graph svg.zones').getAttribute('aria-label')).toMatch(/^Zones of IndustrialFleet/);

  const { scrollWidth, innerWidth } = await page.evaluate<{ scrollWidth: number; innerWidth: number }>(WIDTHS);
  expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
  expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);

  fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  expect(fs.statSync(SCREENSHOT).size).toBeGreaterThan(10_000);
});

test('a narrow window still needs no sideways scrolling', async () => {
  const page = await browser.newPage({ viewport: { width: 800, height: 900 } });
  await page.goto(`file://${html}`);
  const { scrollWidth, innerWidth } = await page.evaluate<{ scrollWidth: number; innerWidth: number }>(WIDTHS);
  expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
});
