// Stands in for real work (a slow query): answers after ?ms= milliseconds.
export const dynamic = 'force-dynamic';

export async function GET(request) {
  const ms = Math.min(Number(new URL(request.url).searchParams.get('ms')) || 0, 10_000);
  await new Promise((resolve) => setTimeout(resolve, ms));
  return new Response('done\n');
}
