import type { Command } from 'commander';
import { cloudFrontFunction, defaultNginxOptions, nginxServerBlock } from './deploy-config.js';

/** `dockhand deploy-config …`: prints configuration for what serves the pages in production. */
export function registerSiteCommands(program: Command): void {
  const deploy = program.command('deploy-config').description('print configuration for serving guest pages from a CDN or nginx');

  deploy
    .command('cloudfront-function')
    .description('the CloudFront Function (viewer request) that rewrites /g/<slug>/ and /g/<slug> to /g/<slug>.html')
    .action(() => {
      process.stdout.write(cloudFrontFunction());
    });

  deploy
    .command('nginx')
    .description('an nginx server block serving pages and photos from a copy of the bucket, the rest from Dockhand')
    .option('--root <dir>', 'directory holding the bucket objects (g/<slug>.html)', defaultNginxOptions.root)
    .option('--upstream <url>', 'where Dockhand listens', defaultNginxOptions.upstream)
    .option('--server-name <name>', 'server_name', defaultNginxOptions.serverName)
    .option('--listen <address>', 'listen', defaultNginxOptions.listen)
    .action((options: { root: string; upstream: string; serverName: string; listen: string }) => {
      process.stdout.write(nginxServerBlock(options));
    });
}
