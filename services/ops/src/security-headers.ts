import type { RequestHandler } from 'express';

/**
 * What bull-board 9.10's UI needs, and no more: its scripts, styles and images from its own static
 * path; inline styles (its loading screen and React's style attributes) and Google Fonts (its
 * index.ejs links IBM Plex); data: images and fonts; XHR to its API on the same origin. Its
 * `__UI_CONFIG__` script is `type="application/json"`, data, so scripts need no 'unsafe-inline'.
 * The status page has an inline <style> and no script.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline' https://fonts.googleapis.com",
  "font-src 'self' data: https://fonts.gstatic.com",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** The UI's bundles: named by content hash, so caching them is safe; every other answer is no-store. */
const STATIC = '/dashboard/static/';

/** helmet-style headers on every answer, errors and refusals included (set before any route runs). */
export const securityHeaders: RequestHandler = (req, res, next) => {
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  if (!req.path.startsWith(STATIC)) res.setHeader('Cache-Control', 'no-store');
  next();
};
