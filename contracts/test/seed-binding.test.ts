import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import { bindArguments } from '../src/bind-arguments';
import {
  CATALOGUE,
  processUserDataTask,
  sendEmailTask,
  sendPushNotificationTask,
} from '../src/catalogue';
import { defineTask, type TaskContract } from '../src/task-contract';

/**
 * Binds a call as the worker does (positional args onto params, Python None dropped, schema
 * defaults filled in) and returns the kwargs, failing the test on a binding or schema error.
 */
function bindSeedCall(
  contract: TaskContract,
  args: readonly unknown[],
  kwargs: Record<string, unknown> = {},
): Record<string, unknown> {
  const bound = bindArguments(contract, args, kwargs);
  if (!bound.ok) throw new Error(bound.reason);
  const filled = Value.Default(contract.kwargs, structuredClone(bound.kwargs)) as Record<
    string,
    unknown
  >;
  const errors = [...TypeCompiler.Compile(contract.kwargs).Errors(filled)];
  expect(errors.map((e) => `${e.path}: ${e.message}`)).toEqual([]);
  return filled;
}

describe("the seed backend's calls, as the Celery client sends them", () => {
  it('send_email(to_email, subject, body): positional and by name', () => {
    const expected = {
      to_email: 'user@example.com',
      subject: 'Welcome!',
      body: 'Welcome to our service!',
    };
    expect(
      bindSeedCall(sendEmailTask, ['user@example.com', 'Welcome!', 'Welcome to our service!']),
    ).toEqual(expected);
    expect(bindSeedCall(sendEmailTask, [], expected)).toEqual(expected);
  });

  it('send_push_notification(user_tokens, title, body): a token list first, not a user id', () => {
    const expected = {
      user_tokens: ['fcm_token_1', 'fcm_token_2'],
      title: 'New Message',
      body: 'You have a new message',
    };
    const positional = bindSeedCall(sendPushNotificationTask, [
      ['fcm_token_1', 'fcm_token_2'],
      'New Message',
      'You have a new message',
    ]);
    expect(positional).toEqual(expected);
    expect(Object.keys(positional)).toEqual(['user_tokens', 'title', 'body']);
    expect(bindSeedCall(sendPushNotificationTask, [], expected)).toEqual(expected);
  });

  it('push to a user instead of tokens: None for user_tokens, or by name', () => {
    const expected = { title: 'Hi', body: 'there', user_id: 42 };
    expect(bindSeedCall(sendPushNotificationTask, [null, 'Hi', 'there', null, 42])).toEqual(
      expected,
    );
    expect(bindSeedCall(sendPushNotificationTask, [], expected)).toEqual(expected);
  });

  it('process_user_data(user_id, data_type, data): no batch operation added by a default', () => {
    const expected = { user_id: 123, data_type: 'profile_update', data: { name: 'John Doe' } };
    const positional = bindSeedCall(processUserDataTask, [
      123,
      'profile_update',
      { name: 'John Doe' },
    ]);
    expect(positional).toEqual(expected);
    expect(bindSeedCall(processUserDataTask, [], expected)).toEqual(expected);
    expect(bindSeedCall(processUserDataTask, [7])).toEqual({ user_id: 7 });
  });

  it("runs the beat schedule's periodic tasks with no arguments", () => {
    const periodic = CATALOGUE.filter((c) => c.seedCall?.endsWith('()'));
    expect(periodic.map((c) => c.name)).toEqual([
      'tasks.email_tasks.send_daily_digest_task',
      'tasks.data_processing_tasks.update_exchange_rates_task',
      'tasks.cleanup_tasks.system_health_check_task',
      'tasks.cleanup_tasks.daily_maintenance_task',
    ]);
    for (const contract of periodic) bindSeedCall(contract, []);
  });

  it('gives each seed call its arguments as the leading params', () => {
    const withSeed = CATALOGUE.filter((c) => c.seedCall !== undefined);
    expect(withSeed).toHaveLength(7);
    for (const contract of withSeed) {
      const names = /\(([^)]*)\)/.exec(contract.seedCall ?? '')?.[1] ?? '';
      const args = names === '' ? [] : names.split(', ');
      expect([contract.name, contract.params.slice(0, args.length)]).toEqual([contract.name, args]);
    }
  });

  it('refuses more positional arguments than params, naming them in order', () => {
    const tooMany = bindArguments(
      sendPushNotificationTask,
      [['t'], 'a', 'b', {}, 1, null, null, null, null, null, null, 'extra'],
      {},
    );
    expect(tooMany).toEqual({
      ok: false,
      reason: expect.stringMatching(/takes 11 positional arguments \(user_tokens, title/),
    });
  });
});

describe('defineTask signature checks', () => {
  const kwargs = Type.Object(
    { user_id: Type.Optional(Type.Integer()), tokens: Type.Array(Type.String()) },
    { additionalProperties: false },
  );
  const base = {
    name: 'ext.push',
    queue: 'ext',
    description: 'Fixture.',
    kwargs,
    result: Type.Null(),
  } as const;

  it('refuses a seed call whose arguments are not the leading params', () => {
    expect(() =>
      defineTask({ ...base, params: ['user_id', 'tokens'], seedCall: 'push(tokens)' }),
    ).toThrow('task ext.push: seedCall "push(tokens)" passes (tokens) but params begin (user_id)');
    expect(() =>
      defineTask({ ...base, params: ['tokens', 'user_id'], seedCall: 'push(tokens)' }),
    ).not.toThrow();
  });

  it('refuses a seed call that is not a call, a param listed twice, or an unknown one', () => {
    expect(() => defineTask({ ...base, params: ['tokens'], seedCall: 'push tokens' })).toThrow(
      /is not a call/,
    );
    expect(() => defineTask({ ...base, params: ['tokens', 'tokens'] })).toThrow(
      'task ext.push: positional param "tokens" is listed twice',
    );
    expect(() => defineTask({ ...base, params: ['tokens', 'user' as 'user_id'] })).toThrow(
      /"user" is not a kwargs property/,
    );
  });
});
