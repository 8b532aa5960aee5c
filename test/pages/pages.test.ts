import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import type { AppProcess } from './app-process';
import { buildProject, startApp } from './app-process';

// Debian's Chromium (`apt-get install chromium`; .ci/run installs it), never a downloaded browser.
const CHROMIUM = '/usr/bin/chromium';
const WAIT_MS = 20_000;
const DOCS = join(__dirname, '..', '..', 'docs');

const CONFIG = {
  $comment: 'Browser tests: two queues; the test agent is created Available through the API (which answers its token).',
  queues: [
    { id: 'default', name: 'General support' },
    { id: 'billing', name: 'Billing' },
  ],
  agents: [],
};

const available = existsSync(CHROMIUM);
if (!available) process.stderr.write(`\nBrowser tests skipped: ${CHROMIUM} is missing (apt-get install chromium).\n`);
// CI installs Chromium, so there a missing browser is a failure, not a skip.
const describeWithBrowser = available || process.env.CI ? describe : describe.skip;

describeWithBrowser('the pages in a browser, against the embedded stack', () => {
  let app: AppProcess | undefined;
  let browser: Browser | undefined;
  let agentToken = '';
  const contexts: BrowserContext[] = [];
  const problems: string[] = [];

  beforeAll(async () => {
    buildProject();
    app = await startApp(CONFIG);
    const created = await fetch(`${app.url}/api/agents`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${app.adminToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ id: 'ada', name: 'Ada', capacity: 20, presence: 'Available', queues: ['default', 'billing'] }),
    });
    expect(created.status).toBe(201);
    agentToken = ((await created.json()) as { token: string }).token;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // launch() gives every run a fresh temporary profile (user data dir).
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      timeout: 60_000,
    });
  }, 300_000);

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await app?.stop();
  }, 60_000);

  /** A page in a context of its own (its own sessionStorage: one person each), watched for errors and CSP violations. */
  async function newPage(who: string): Promise<Page> {
    const context = await (browser as Browser).newContext({ viewport: { width: 1280, height: 860 } });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    page.on('console', (m) => {
      // A refused API call (a 4xx the page shows as a message) is logged by the browser itself; CSP violations and script errors are not those.
      if (m.type() === 'error' && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) {
        problems.push(`${who}: ${m.text()}`);
      }
    });
    page.on('pageerror', (e) => problems.push(`${who}: ${e.message}`));
    return page;
  }

  const url = (path: string): string => `${(app as AppProcess).url}${path}`;
  const shown = (locator: Locator, text: string | RegExp): Promise<void> => locator.filter({ hasText: text }).first().waitFor();

  async function signIn(page: Page, path: string, label: string, token: string): Promise<void> {
    await page.goto(url(path));
    await page.getByLabel(label).fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await shown(page.getByTestId('stream-status'), 'Live');
  }

  async function conversationOf(customer: Page): Promise<string> {
    const id = await customer.evaluate('sessionStorage.getItem("convoflow.chat.conversation")');
    expect(typeof id).toBe('string');
    return id as string;
  }

  it('renders each page within a second, from its own scripts and styles only (the CSP forbids inline code)', async () => {
    const page = await newPage('first render');
    for (const [path, ready] of [
      ['/', 'Agent desktop'],
      ['/agent', 'Agent token'],
      ['/chat', 'Your name'],
      ['/supervisor', 'Admin token'],
    ] as const) {
      const started = Date.now();
      const response = await page.goto(url(path));
      expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
      await page.getByText(ready).first().waitFor();
      const wall = Date.now() - started;
      // From navigation start: the pages mark their first render; the static index has its first contentful paint.
      const rendered = (await page.evaluate(
        'performance.getEntriesByName("convoflow:rendered")[0]?.startTime ?? performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? null',
      )) as number | null;
      process.stderr.write(
        `first render of ${path}: ${rendered?.toFixed(0) ?? '?'} ms after navigation start (${wall} ms as the test saw it)\n`,
      );
      expect(rendered).not.toBeNull();
      expect(rendered as number).toBeLessThan(1000);
    }
    // Keyboard: the sign-in field takes focus by Tab and shows it.
    await page.goto(url('/agent'));
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.id')).toBe('token');
    expect(problems).toEqual([]);
  });

  it('goes through a whole chat: assigned live, unread rises and clears, End, close tab, Closed work items; the supervisor follows each step', async () => {
    const supervisor = await newPage('supervisor');
    await signIn(supervisor, '/supervisor', 'Admin token', (app as AppProcess).adminToken);
    const agent = await newPage('agent');
    await signIn(agent, '/agent', 'Agent token', agentToken);
    await shown(agent.getByTestId('capacity'), '0/20');
    expect(await agent.getByLabel('Presence').inputValue()).toBe('Available');

    const customer = await newPage('customer');
    await customer.goto(url('/chat'));
    await customer.getByLabel('Your name').fill('Dana');
    await customer.getByLabel('Topic').selectOption('default');
    await customer.getByRole('button', { name: 'Start chat' }).click();
    await shown(customer.getByTestId('standing'), 'You are chatting with ada');
    const id = await conversationOf(customer);

    // Assigned live: the agent's My work items and the supervisor's board show it without a reload.
    const item = agent.getByTestId('my-work').locator(`[data-conversation="${id}"]`);
    await shown(item, 'Active');
    await shown(agent.getByTestId('capacity'), '10/20');
    const row = supervisor.locator(`tr[data-conversation="${id}"]`);
    await shown(row.getByTestId('state'), 'Active');
    await shown(row.getByTestId('agent'), 'ada');
    await shown(supervisor.locator('tr[data-agent="ada"]').getByTestId('capacity'), '10/20');

    // The customer writes; the agent's unread badge rises.
    for (const text of ['Hello, my parcel is late.', 'Order 1234.']) {
      await customer.getByLabel('Message', { exact: true }).fill(text);
      await customer.getByLabel('Message', { exact: true }).press('Enter');
      await shown(customer.getByTestId('messages'), text);
    }
    await shown(item.getByTestId('unread'), '2');
    await shown(supervisor.locator(`tr[data-conversation="${id}"] td`).nth(5), '2');

    // Opening it shows the messages and marks them read: the badge clears.
    await item.click();
    await shown(agent.getByTestId('messages'), 'Order 1234.');
    await item.getByTestId('unread').waitFor({ state: 'detached' });
    await agent.getByLabel('Reply').fill('Let me check that for you.');
    await agent.getByRole('button', { name: 'Send' }).click();
    await shown(customer.getByTestId('messages'), 'Let me check that for you.');
    await customer.screenshot({ path: join(DOCS, 'chat.png') });

    // A refused action shows the API's message.
    await agent.getByLabel('or agent').fill('nobody');
    await agent.getByRole('button', { name: 'Transfer' }).click();
    await shown(agent.getByTestId('error'), /agent nobody/i);
    await agent.getByLabel('or agent').fill('');
    await agent.getByRole('button', { name: 'Dismiss' }).click();
    await agent.screenshot({ path: join(DOCS, 'agent.png') });
    await supervisor.screenshot({ path: join(DOCS, 'supervisor.png'), fullPage: true });

    // End: Active -> Wrap-up, everywhere.
    await agent.getByRole('button', { name: 'End', exact: true }).click();
    await shown(item, 'Wrap-up');
    await shown(customer.getByTestId('standing'), 'The agent has ended the chat');
    await shown(row.getByTestId('state'), 'Wrap-up');

    // Close tab: Wrap-up -> Closed; it leaves My work items for Closed work items.
    await agent.getByRole('button', { name: 'Close tab' }).click();
    await item.waitFor({ state: 'detached' });
    await agent.getByTestId('closed-work').locator(`[data-conversation="${id}"]`).waitFor();
    await shown(customer.getByTestId('standing'), 'This chat has ended');
    await shown(row.getByTestId('state'), 'Closed');
    await shown(agent.getByTestId('capacity'), '0/20');
    await shown(supervisor.locator('tr[data-agent="ada"]').getByTestId('capacity'), '0/20');
    expect(problems).toEqual([]);
  });

  it('shows the Open work of the agent’s queues while Offline to pick, and the supervisor assigns and force-closes', async () => {
    const supervisor = await newPage('supervisor');
    await signIn(supervisor, '/supervisor', 'Admin token', (app as AppProcess).adminToken);
    const agent = await newPage('agent');
    await signIn(agent, '/agent', 'Agent token', agentToken);
    await agent.getByLabel('Presence').selectOption('Offline');
    await shown(supervisor.locator('tr[data-agent="ada"]').getByTestId('presence'), 'Offline');

    // Nobody is pushed work now: the chat waits in billing, listed as Open work with its queue.
    const customer = await newPage('customer');
    await customer.goto(url('/chat'));
    await customer.getByLabel('Your name').fill('Fay');
    await customer.getByLabel('Topic').selectOption('billing');
    await customer.getByRole('button', { name: 'Start chat' }).click();
    await shown(customer.getByTestId('standing'), 'Waiting in queue');
    const picked = await conversationOf(customer);
    const entry = agent.getByTestId('open-work').locator('li', { hasText: 'Billing' });
    await entry.waitFor();
    await shown(supervisor.locator('tr[data-queue="billing"]').getByTestId('depth'), '1');
    await entry.getByRole('button', { name: 'Pick' }).click();
    await shown(agent.getByTestId('my-work').locator(`[data-conversation="${picked}"]`), 'Active');
    await entry.waitFor({ state: 'detached' });
    await shown(supervisor.locator('tr[data-queue="billing"]').getByTestId('depth'), '0');
    await shown(customer.getByTestId('standing'), 'You are chatting with ada');

    // The supervisor assigns the next one by hand, then force-closes it on the customer's behalf (Active -> Wrap-up).
    const second = await newPage('second customer');
    await second.goto(url('/chat'));
    await second.getByLabel('Your name').fill('Gus');
    await second.getByRole('button', { name: 'Start chat' }).click();
    await shown(second.getByTestId('standing'), 'Waiting in queue');
    const assigned = await conversationOf(second);
    const row = supervisor.locator(`tr[data-conversation="${assigned}"]`);
    await shown(row.getByTestId('state'), 'Open');
    await row.getByRole('combobox').selectOption('ada');
    await row.getByRole('button', { name: 'Assign' }).click();
    await shown(row.getByTestId('state'), 'Active');
    await shown(agent.getByTestId('my-work').locator(`[data-conversation="${assigned}"]`), 'Active');
    await shown(second.getByTestId('standing'), 'You are chatting with ada');
    await row.getByRole('button', { name: 'Force close' }).click();
    await shown(row.getByTestId('state'), 'Wrap-up');
    await shown(agent.getByTestId('my-work').locator(`[data-conversation="${assigned}"]`), 'Wrap-up');

    // Leave ada as the other tests expect her: Available, nothing held.
    for (const id of [picked, assigned]) {
      const item = agent.getByTestId('my-work').locator(`[data-conversation="${id}"]`);
      await item.click();
      if (id === picked) {
        await agent.getByRole('button', { name: 'End', exact: true }).click();
        await shown(item, 'Wrap-up');
      }
      await agent.getByRole('button', { name: 'Close tab' }).click();
      await item.waitFor({ state: 'detached' });
    }
    await agent.getByLabel('Presence').selectOption('Available');
    await shown(supervisor.locator('tr[data-agent="ada"]').getByTestId('presence'), 'Available');
    expect(problems).toEqual([]);
  });

  it('lets the customer revive a chat the agent closed the tab on, and it is assigned again', async () => {
    const supervisor = await newPage('supervisor');
    await signIn(supervisor, '/supervisor', 'Admin token', (app as AppProcess).adminToken);
    const agent = await newPage('agent');
    await signIn(agent, '/agent', 'Agent token', agentToken);
    const customer = await newPage('customer');
    await customer.goto(url('/chat'));
    await customer.getByLabel('Your name').fill('Eli');
    await customer.getByRole('button', { name: 'Start chat' }).click();
    await shown(customer.getByTestId('standing'), 'You are chatting with ada');
    const id = await conversationOf(customer);
    const item = agent.getByTestId('my-work').locator(`[data-conversation="${id}"]`);
    const row = supervisor.locator(`tr[data-conversation="${id}"]`);
    await shown(item, 'Active');

    // Close tab while Active: Waiting, and the customer is told until when they can continue.
    await item.click();
    await agent.getByRole('button', { name: 'Close tab' }).click();
    await shown(item, 'Waiting');
    await shown(row.getByTestId('state'), 'Waiting');
    await shown(customer.getByTestId('standing'), /You can continue it until \d/);

    // Revive: Waiting -> Open, and the dispatcher gives it back to ada.
    await customer.getByRole('button', { name: 'Continue the chat' }).click();
    await shown(customer.getByTestId('standing'), 'You are chatting with ada');
    await shown(item, 'Active');
    await shown(row.getByTestId('state'), 'Active');
    await customer.getByLabel('Message', { exact: true }).fill('Thanks for taking me back.');
    await customer.getByRole('button', { name: 'Send' }).click();
    await shown(item.getByTestId('unread'), '1');
    await item.click();
    await shown(agent.getByTestId('messages'), 'Thanks for taking me back.');
    await item.getByTestId('unread').waitFor({ state: 'detached' });
    expect(problems).toEqual([]);
  });
});

mkdirSync(DOCS, { recursive: true });
