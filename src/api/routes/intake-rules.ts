import { Type } from '@sinclair/typebox';
import { IntakeRuleError, parseIntakeRules } from '../../domain/intake';
import { ApiError, ApiErrorCode } from '../http/errors';
import { json, none, reply, route } from '../http/route';
import * as s from '../schemas/requests';

const Match = Type.Union([Type.String(), Type.Array(Type.String())]);
/** One intake rule, as the admin writes it (parseIntakeRules checks the meaning: queues exist, ids unique, bounds). */
const Rule = s.closed({
  id: s.Id,
  when: Type.Optional(
    s.closed({
      channel: Type.Optional(Type.Union([s.ChannelSchema, Type.Array(s.ChannelSchema, { minItems: 1 })])),
      language: Type.Optional(Match),
      queueId: Type.Optional(Match),
      customer: Type.Optional(Type.Record(Type.String(), Match)),
      answers: Type.Optional(Type.Record(Type.String(), Match)),
    }),
  ),
  then: s.closed({
    queueId: s.Id,
    priority: Type.Optional(Type.Integer({ minimum: 0 })),
    requirements: Type.Optional(Type.Array(s.Requirement)),
  }),
});
const RuleSet = s.closed({ rules: Type.Array(Rule, { maxItems: 200 }), version: Type.Integer({ minimum: 0 }) });

const get = route({
  method: 'get',
  path: '/api/intake-rules',
  tag: 'Routing',
  summary: 'The ordered intake rules: the first whose conditions all hold decides a new conversation’s queue, priority and skills.',
  access: ['admin'],
  params: s.NoParams,
  query: s.NoQuery,
  body: none,
  responses: { 200: { description: 'The rules in force and their version.', schema: RuleSet } },
  async handle(ctx) {
    return reply(200, await ctx.store.getIntakeRules());
  },
});

const put = route({
  method: 'put',
  path: '/api/intake-rules',
  tag: 'Routing',
  summary:
    'Replaces every intake rule at once (order matters: the first match wins). A bad rule set is refused naming the field, and nothing changes.',
  access: ['admin'],
  params: s.NoParams,
  query: s.NoQuery,
  body: json(s.closed({ rules: Type.Array(Rule, { maxItems: 200 }) })),
  responses: { 200: { description: 'The rules now in force and their new version.', schema: RuleSet } },
  async handle(ctx, req) {
    const known = new Set((await ctx.store.listQueues()).map((q) => q.id));
    let rules;
    try {
      rules = parseIntakeRules(req.body.rules, 'body.rules', (id) => known.has(id));
    } catch (error) {
      if (!(error instanceof IntakeRuleError)) throw error;
      const code = error.message.includes('unknown queue') ? ApiErrorCode.UnknownQueue : ApiErrorCode.InvalidInput;
      throw new ApiError(code, error.message, { field: error.field });
    }
    return reply(200, await ctx.store.replaceIntakeRules(rules));
  },
});

/** The intake rules. */
export const intakeRuleRoutes = [get, put] as const;
