import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Request, Response } from 'express';
import express, { Router } from 'express';
import { projectRoot } from '../../project-root';

/** Where `npm run build` puts the pages (src/pages → dist/pages). */
export const PAGES_DIR = join(projectRoot(), 'dist', 'pages');

/** The pages' URL paths and their HTML files. */
export const PAGES: Readonly<Record<string, string>> = {
  '/': 'index.html',
  '/agent': 'agent.html',
  '/chat': 'chat.html',
  '/supervisor': 'supervisor.html',
};

/**
 * The policy the pages are written for: scripts and styles only from files of
 * this origin (no inline code), data only from this origin's API.
 */
export const PAGE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

function pageHeaders(res: Response): void {
  res.setHeader('Content-Security-Policy', PAGE_CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  // Revalidated on every load (ETag), so a rebuilt page is picked up at once.
  res.setHeader('Cache-Control', 'no-cache');
}

/** Serves the built pages and their assets; 503 with the fix when they were not built. */
export function pageRoutes(dir = PAGES_DIR): Router {
  const router = Router();
  for (const [path, file] of Object.entries(PAGES)) {
    router.get(path, (_req: Request, res: Response) => {
      const full = join(dir, file);
      pageHeaders(res);
      if (!existsSync(full)) {
        res.status(503).type('text/plain').send('The pages are not built: run `npm run build`.\n');
        return;
      }
      res.sendFile(full);
    });
  }
  router.use('/assets', express.static(join(dir, 'assets'), { index: false, fallthrough: true, setHeaders: pageHeaders }));
  return router;
}
