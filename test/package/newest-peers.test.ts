/*
 * The packed library in a fresh CDK app at the newest peers the registry publishes today (resolved
 * when the test runs: an app created today gets those). A file of its own so jest runs it beside
 * the others (test/package/consumer.ts).
 */
import { describeInstalledAt, publishedPeers, workFolder } from './consumer';

jest.setTimeout(20 * 60 * 1000);

const work = workFolder();
describeInstalledAt('newest published', work, () => publishedPeers(work()));
