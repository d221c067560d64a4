import {
  compileContract,
  processNotificationQueueTask,
  batchDataImportTask,
  cleanupTempFilesTask,
  sendEmailTask,
  updateExchangeRatesTask,
} from '../src';

describe('compileContract', () => {
  it('applies schema defaults before validating, so a handler gets what the schema promises', () => {
    expect(compileContract(processNotificationQueueTask).prepare([], {})).toEqual({
      ok: true,
      kwargs: { batch_size: 100 },
    });
    expect(compileContract(updateExchangeRatesTask).prepare([], {})).toMatchObject({
      kwargs: { base_currency: 'USD' },
    });
    expect(compileContract(cleanupTempFilesTask).prepare([12], {})).toMatchObject({
      kwargs: { max_age_hours: 12 },
    });
  });

  it('fills defaults nested in an optional object only when the object is given', () => {
    const contract = compileContract(batchDataImportTask);
    expect(contract.prepare(['users', '/data/u.csv'], {})).toMatchObject({
      ok: true,
      kwargs: { import_type: 'users', file_path: '/data/u.csv' },
    });
    expect(contract.prepare(['users', '/data/u.csv'], { options: {} })).toMatchObject({
      kwargs: {
        options: {
          delimiter: ',',
          has_header: true,
          batch_size: 500,
          update_existing: false,
          dry_run: false,
        },
      },
    });
  });

  it('treats Python None for an optional argument as not given, so its default applies', () => {
    expect(compileContract(processNotificationQueueTask).prepare([null], {})).toMatchObject({
      kwargs: { batch_size: 100 },
    });
  });

  it('does not change the kwargs it was given', () => {
    const given = { options: {} };
    compileContract(batchDataImportTask).prepare(['users'], given);
    expect(given).toEqual({ options: {} });
  });

  it('says whether arguments failed to bind (TypeError) or to validate (ValueError)', () => {
    const contract = compileContract(sendEmailTask);
    expect(contract.prepare(['a@example.com'], { to_email: 'b@example.com' })).toMatchObject({
      ok: false,
      error: { code: 'bad_arguments', excType: 'TypeError' },
    });
    const invalid = contract.prepare(['not-an-address', 'Hi', 'Body'], {});
    expect(invalid).toMatchObject({ ok: false, error: { code: 'schema', excType: 'ValueError' } });
    expect(!invalid.ok && invalid.error.reason).toMatch(
      /^invalid arguments for tasks\.email_tasks\.send_email_task: \/to_email/,
    );
  });
});
