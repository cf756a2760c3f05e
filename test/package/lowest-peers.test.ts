/*
 * The packed library in a fresh CDK app at the lowest peers it supports (the floors of its
 * peerDependencies). A file of its own so jest runs it beside the others (test/package/consumer.ts).
 */
import { describeInstalledAt, LOWEST_PEERS, workFolder } from './consumer';

jest.setTimeout(20 * 60 * 1000);

describeInstalledAt('lowest', workFolder(), () => LOWEST_PEERS);
