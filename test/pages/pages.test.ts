import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import type { AppProcess } from './app-process';
import { buildProject, startApp } from './app-process';
import { describeWhen } from '../helpers/prerequisites';

// Debian's Chromium (`apt-get install chromium`; .ci/run installs it), never a downloaded browser.
const CHROMIUM = '/usr/bin/chromium';
const WAIT_MS = 20_000;
/** Screenshots refresh the README's pictures only when asked (CONVOFLOW_SCREENSHOTS=docs); a test run never edits the tree. */
const DOCS =
  process.env.CONVOFLOW_SCREENSHOTS === 'docs' ? join(__dirname, '..', '..', 'docs') : mkdtempSync(join(tmpdir(), 'convoflow-shots-'));

const CONFIG = {
  $comment: 'Browser tests: two queues; the test agent is created Available through the API (which answers its token).',
  queues: [
    { id: 'default', name: 'General support' },
    { id: 'billing', name: 'Billing' },
  ],
  agents: [],
};

const missing = existsSync(CHROMIUM) ? null : `${CHROMIUM} is missing (apt-get install chromium)`;

describeWhen(missing, 'the pages in a browser, against the embedded stack', () => {
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

  /** An admin API call; answers the JSON body after checking the status. */
  async function admin<T = unknown>(method: string, path: string, body: unknown, status: number): Promise<T> {
    const res = await fetch(url(path), {
      method,
      headers: { Authorization: `Bearer ${(app as AppProcess).adminToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(WAIT_MS),
    });
    const text = await res.text();
    expect(`${res.status} ${text}`).toMatch(new RegExp(`^${status} `));
    return JSON.parse(text) as T;
  }

  async function startChat(page: Page, name: string, topic: string): Promise<string> {
    await page.goto(url('/chat'));
    await page.getByLabel('Your name').fill(name);
    await page.getByLabel('Topic').selectOption(topic);
    await page.getByRole('button', { name: 'Start chat' }).click();
    await shown(page.getByTestId('standing'), 'Waiting in queue');
    return conversationOf(page);
  }

  /** Polls `check` every 100 ms until it holds; fails after `timeoutMs`. */
  async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** The whole seconds an offer's countdown shows now. */
  async function secondsShown(offer: Locator): Promise<number> {
    return Number(await offer.getByTestId('offer-countdown').getAttribute('data-seconds'));
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
    await shown(supervisor.locator(`tr[data-conversation="${id}"]`).getByTestId('unread'), '2');

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
    // Its place in line, live from the stream, in a polite live region (no estimate before 20 measured waits).
    const place = customer.getByTestId('queue-position');
    await shown(place, 'You are number 1 in the queue.');
    expect(await place.getAttribute('aria-live')).toBe('polite');
    expect(await place.textContent()).not.toContain('Estimated wait');
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

  it('offers pushed chats in an offer-mode queue: a countdown, Decline passes it on, Accept makes it Active, a missed offer sets Away and the supervisor assigns it', async () => {
    // An offer-mode queue (made through the admin API) and two agents of it only: Bo Available, Cy Offline with
    // automatic presence and room for one chat, so where each offer goes is certain.
    await admin(
      'POST',
      '/api/queues',
      {
        id: 'sales',
        name: 'Sales',
        offerMode: 'offer',
        offerTimeoutMs: 30_000,
        maxDeclines: 2,
        missedOfferPresence: 'Away',
      },
      201,
    );
    const bo = await admin<{ token: string }>(
      'POST',
      '/api/agents',
      { id: 'bo', name: 'Bo', capacity: 20, presence: 'Available', queues: ['sales'] },
      201,
    );
    const cy = await admin<{ token: string }>(
      'POST',
      '/api/agents',
      {
        id: 'cy',
        name: 'Cy',
        capacity: 10,
        presence: 'Offline',
        autoPresence: true,
        queues: ['sales'],
      },
      201,
    );
    const supervisor = await newPage('supervisor');
    await signIn(supervisor, '/supervisor', 'Admin token', (app as AppProcess).adminToken);
    const boPage = await newPage('bo');
    await signIn(boPage, '/agent', 'Agent token', bo.token);
    const cyPage = await newPage('cy');
    await signIn(cyPage, '/agent', 'Agent token', cy.token);

    // A chat in Sales is offered to Bo at once: queue, channel, a countdown and a progress bar, announced.
    const first = await startChat(await newPage('customer'), 'Hana', 'sales');
    const offer = boPage.locator(`[data-testid="offer"][data-conversation="${first}"]`);
    await shown(offer.getByTestId('offer-queue'), 'Sales');
    await shown(offer.getByTestId('offer-channel'), 'chat');
    await shown(offer.getByTestId('offer-countdown'), /^\d+ s left$/);
    await shown(boPage.getByTestId('offer-announcement'), /New offer from Sales/);
    // The bar is the offer's own length (from the event's time, then its snapshot's terms: 30 s).
    const progressMax = async (o: Locator): Promise<number> => Number(await o.getByTestId('offer-progress').getAttribute('max'));
    expect(await progressMax(offer)).toBeGreaterThan(25_000);
    expect(await progressMax(offer)).toBeLessThanOrEqual(30_000);
    const shownFirst = await secondsShown(offer);
    expect(shownFirst).toBeGreaterThan(20);
    expect(shownFirst).toBeLessThanOrEqual(30);
    // It counts down (bounded: it must tick within 3 s).
    await until(async () => (await secondsShown(offer)) < shownFirst, 3_000, 'the countdown to tick');
    // Keyboard: Accept is reachable by Tab from the presence selector (Sign out lies between).
    await boPage.getByLabel('Presence').focus();
    let reached = false;
    for (let i = 0; i < 6 && !reached; i++) {
      await boPage.keyboard.press('Tab');
      reached = (await boPage.evaluate('document.activeElement?.textContent')) === 'Accept';
    }
    expect(reached).toBe(true);
    // The supervisor sees to whom it stands and until when.
    const firstRow = supervisor.locator(`tr[data-conversation="${first}"]`);
    await shown(firstRow.getByTestId('state'), 'Open');
    await shown(firstRow.getByTestId('offer'), /offered to Bo until \d/);
    await expect(cyPage.getByTestId('offer').count()).resolves.toBe(0);

    // Cy comes in; Bo declines (with a reason): the offer leaves Bo and goes to Cy.
    await cyPage.getByLabel('Presence').selectOption('Available');
    await shown(supervisor.locator('tr[data-agent="cy"]').getByTestId('presence'), 'Available');
    // A refused answer shows the API's message and leaves the offer standing (a reason may not hold control characters).
    await offer.getByLabel('Reason (optional)').fill('Not my \u0007line');
    await offer.getByRole('button', { name: 'Decline' }).click();
    await shown(boPage.getByTestId('error'), /body\.reason/);
    await boPage.getByRole('button', { name: 'Dismiss' }).click();
    await offer.waitFor();
    await offer.getByLabel('Reason (optional)').fill('Not my product line');
    await offer.getByRole('button', { name: 'Decline' }).click();
    await offer.waitFor({ state: 'detached' });
    // The keyboard is not lost with the card: focus goes to My work items.
    await until(async () => (await boPage.evaluate('document.activeElement?.id')) === 'my-work', 5_000, 'focus to move to My work items');
    const cyOffer = cyPage.locator(`[data-testid="offer"][data-conversation="${first}"]`);
    await shown(cyOffer.getByTestId('offer-countdown'), /s left/);
    await shown(firstRow.getByTestId('offer'), 'offered to Cy');
    // Her capacity is reserved for it, so automatic presence shows her full: BusyDND, and why.
    await shown(cyPage.getByTestId('presence-why'), /Automatic presence: BusyDND while 10 of 10 units in use/);
    expect(await cyPage.getByLabel('Presence').inputValue()).toBe('BusyDND');

    // Cy accepts: it is hers, Active in My work items, open in her pane; the customer is told.
    await cyOffer.getByRole('button', { name: 'Accept' }).click();
    await cyOffer.waitFor({ state: 'detached' });
    await shown(cyPage.getByTestId('my-work').locator(`[data-conversation="${first}"]`), 'Active');
    await shown(cyPage.getByTestId('capacity'), '10/10');
    await shown(firstRow.getByTestId('state'), 'Active');
    await shown(firstRow.getByTestId('agent'), 'cy');
    // Its conversation opens, and the reply box has the keyboard.
    await until(async () => (await cyPage.evaluate('document.activeElement?.id')) === 'reply', 5_000, 'the reply box to take focus');

    // Short offers from now on, stopped after one miss. The next chat goes to Bo (Cy is full) and is left to expire.
    await admin('PATCH', '/api/queues/sales', { offerTimeoutMs: 5_000, maxDeclines: 1 }, 200);
    const missed = await startChat(await newPage('second customer'), 'Ivo', 'sales');
    const missedOffer = boPage.locator(`[data-testid="offer"][data-conversation="${missed}"]`);
    await shown(missedOffer.getByTestId('offer-countdown'), /s left/);
    expect(await secondsShown(missedOffer)).toBeLessThanOrEqual(5);
    // Its bar is 5 s long, though the page read the queue when its offers took 30 s.
    expect(await progressMax(missedOffer)).toBeLessThanOrEqual(5_000);
    await boPage.screenshot({ path: join(DOCS, 'agent-offer.png') });
    // Gone after the countdown (5 s, and the engine's durable timer: bounded by WAIT_MS); Bo is Away, and the page says why.
    const expiring = Date.now();
    await missedOffer.waitFor({ state: 'detached' });
    process.stderr.write(`offer gone ${Date.now() - expiring} ms after its countdown was seen at ≤5 s\n`);
    await shown(boPage.getByTestId('presence-why'), /Set to Away by the engine: missed the offer of conversation/);
    expect(await boPage.getByLabel('Presence').inputValue()).toBe('Away');
    await shown(boPage.getByTestId('offer-announcement'), /expired/);
    await shown(supervisor.locator('tr[data-agent="bo"]').getByTestId('presence'), /Away.*missed the offer/);

    // Offers stopped: the supervisor's board flags it, and assigns it from there.
    const missedRow = supervisor.locator(`tr[data-conversation="${missed}"]`);
    await shown(missedRow.getByTestId('offer'), 'needs assignment: declined by 1 agent');
    await shown(supervisor.getByTestId('needs-assignment'), '1 conversation needs assignment');
    await supervisor.getByLabel('Needs assignment only').check();
    const listed = supervisor.getByTestId('conversations').locator('tbody tr');
    await until(async () => (await listed.count()) === 1, 5_000, 'the filter to leave one row');
    await missedRow.waitFor();
    await supervisor.screenshot({ path: join(DOCS, 'supervisor-offers.png'), fullPage: true });
    await supervisor.getByLabel('Needs assignment only').uncheck();
    await missedRow.getByRole('combobox').selectOption('bo');
    await missedRow.getByRole('button', { name: 'Assign' }).click();
    await shown(missedRow.getByTestId('state'), 'Active');
    await shown(boPage.getByTestId('my-work').locator(`[data-conversation="${missed}"]`), 'Active');
    await shown(supervisor.getByTestId('needs-assignment'), 'No conversation waits for assignment');
    expect(problems).toEqual([]);
  }, 240_000);
});

mkdirSync(DOCS, { recursive: true });
