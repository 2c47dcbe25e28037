// The light build of bottleneck (the rate limiter under @octokit/plugin-throttling and
// plugin-retry, which import it by this path), which ships no types of its own: it is the same
// class as the full build, without the Redis datastores.
declare module 'bottleneck/light.js' {
  import Bottleneck from 'bottleneck';
  export default Bottleneck;
}
