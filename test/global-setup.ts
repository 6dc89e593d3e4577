export default function setup(): () => void {
  return () => {};
}
