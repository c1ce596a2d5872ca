// Next.js calls register() once per server process before it serves requests: start probekit here.
// Run: npm run build && npx next build examples/nextjs && NEXT_MANUAL_SIG_HANDLE=true npx next start examples/nextjs
// then curl -i localhost:8081/readyz?verbose
export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { startProbekit } = await import('./probekit.js');
  await startProbekit();
}
