// /api/auth/* — the routes the runbook's signup smoke checklist exercises.
import { Router } from "express";
import type { AppContext } from "../context.ts";
import { requireUser } from "../http/auth-middleware.ts";
import { parse, requireJsonBody } from "../http/validate.ts";
import { login, resendVerification, signup, verifyEmail } from "./accounts.ts";
import { loginBody, resendBody, signupBody, verifyQuery } from "./schemas.ts";
import { endSession, startSession } from "./sessions.ts";

export function authRoutes(ctx: AppContext): Router {
  const r = Router();

  r.post("/signup", requireJsonBody, async (req, res) => {
    await ctx.limits.signup.hit(req.ip ?? "unknown", "Too many signups from this network. Try again later.");
    const result = await signup(ctx, parse(signupBody, req.body));
    res.status(201).json(result);
  });

  r.get("/verify-email", async (req, res) => {
    const { token } = parse(verifyQuery, req.query);
    const { email } = await verifyEmail(ctx, token);
    res.json({ verified: true, email });
  });

  r.post("/resend-verification", requireJsonBody, async (req, res) => {
    const { email } = parse(resendBody, req.body);
    await resendVerification(ctx, email);
    res.status(202).json({ accepted: true, message: "If an account needs verifying, a new link is on its way." });
  });

  r.post("/login", requireJsonBody, async (req, res) => {
    const body = parse(loginBody, req.body);
    const user = await login(ctx, body.email, body.password, req.ip ?? "unknown");
    const csrfToken = await startSession(ctx, req, res, user.id);
    res.json({
      user: { id: user.id, email: user.email, name: user.name, role: user.role, isAdmin: ctx.config.adminEmails.includes(user.email) },
      csrfToken,
    });
  });

  r.post("/logout", requireUser, async (req, res) => {
    await endSession(ctx, res, req.sessionId!);
    res.json({ ok: true });
  });

  r.get("/me", requireUser, (req, res) => {
    res.json({ user: req.user, csrfToken: req.csrfToken });
  });

  return r;
}
