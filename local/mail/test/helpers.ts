import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import { startMailSink, type MailSink } from '../src';

/** A sink on a free port in a new temporary directory, and what it logged. */
export interface TestSink {
  sink: MailSink;
  dataDir: string;
  logged: string[];
}

export async function makeDataDir(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), 'ticketing-mail-'));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

export async function startTestSink(dataDir: string): Promise<TestSink> {
  const logged: string[] = [];
  const sink = await startMailSink({ dataDir, smtpPort: 0, logger: (message) => logged.push(message) });
  return { sink, dataDir, logged };
}

/** Sends one message to the sink with nodemailer, configured by the sink's URL alone, as the services are. */
export async function send(sink: MailSink, message: Mail.Options): Promise<{ messageId: string }> {
  const transport = nodemailer.createTransport(sink.smtpUrl);
  try {
    return await transport.sendMail({ from: 'Ticketing <no-reply@ticketing.local>', ...message });
  } finally {
    transport.close();
  }
}
