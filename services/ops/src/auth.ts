import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { OpsConfig } from './config.ts';

const same = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** Bearer OPS_TOKEN, or basic auth with OPS_USERNAME/OPS_PASSWORD; open only when neither is set (loopback only). */
export function requireCredentials(cfg: OpsConfig) {
  const open = !cfg.OPS_TOKEN && !(cfg.OPS_USERNAME && cfg.OPS_PASSWORD);
  return (req: Request, res: Response, next: NextFunction) => {
    if (open) return next();
    const header = req.headers.authorization ?? '';
    if (cfg.OPS_TOKEN && header.startsWith('Bearer ') && same(header.slice(7), cfg.OPS_TOKEN)) return next();
    if (cfg.OPS_USERNAME && cfg.OPS_PASSWORD && header.startsWith('Basic ')) {
      const [user, ...pass] = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':');
      if (same(user ?? '', cfg.OPS_USERNAME) && same(pass.join(':'), cfg.OPS_PASSWORD)) return next();
    }
    res.setHeader('WWW-Authenticate', 'Basic realm="faultline"');
    res.status(401).json({ error: 'credentials required: Authorization: Bearer <OPS_TOKEN> or basic auth' });
  };
}
