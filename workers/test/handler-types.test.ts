import { sendEmailTask, sendSmsTask } from '@burrow/contracts';
import { defineHandler } from '@burrow/shared';
import { sendEmail } from '../src/email/send-email';

/*
 * The compiler is the test here: `npm run lint` type-checks the test folders, and an unused
 * `@ts-expect-error` (a wrong attachment that compiled) fails it.
 */
describe('defineHandler types a handler from its contract', () => {
  it("attaches a handler to its own task's contract", () => {
    expect(defineHandler(sendEmailTask, sendEmail).contract).toBe(sendEmailTask);
  });

  it('refuses, at compile time, a handler attached to another task', () => {
    // @ts-expect-error send_email_task's handler cannot take send_sms_task's kwargs
    const wrong = defineHandler(sendSmsTask, sendEmail);
    expect(wrong.contract.name).toBe(sendSmsTask.name);
  });

  it('refuses, at compile time, a handler whose result does not match the result schema', () => {
    // @ts-expect-error send_email_task's result needs message_id, accepted and rejected
    const wrong = defineHandler(sendEmailTask, () => Promise.resolve({ message_id: 'x' }));
    expect(wrong.contract.name).toBe(sendEmailTask.name);
  });
});
