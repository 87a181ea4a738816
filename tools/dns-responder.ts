import * as dgram from 'dgram';

/**
 * A minimal DNS server on loopback that answers A queries for a fixed set of names, in
 * place of Docker's embedded DNS. Changing an address while NGINX runs is how the preview
 * and the tests show that the proxy follows a restarted Ghost container.
 */
export class DnsResponder {
  private readonly socket = dgram.createSocket('udp4');
  private readonly records = new Map<string, string>();
  /** Queries answered, by name: lets a test see that NGINX asked again. */
  public readonly queries = new Map<string, number>();
  public port = 0;

  /** Seconds a client may cache an answer (NGINX's `valid=` overrides it upward or downward). */
  constructor(private readonly ttlSeconds = 1) {}

  public setAddress(name: string, ipv4: string): void {
    if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(ipv4)) throw new Error(`DnsResponder: ${ipv4} is not an IPv4 address`);
    this.records.set(name.toLowerCase(), ipv4);
  }

  /**
   * Forgets a name, so that it gets NXDOMAIN: what Docker's DNS answers for the alias of a
   * stopped container.
   */
  public removeAddress(name: string): void {
    this.records.delete(name.toLowerCase());
  }

  public async start(host = '127.0.0.1', port = 0): Promise<void> {
    this.socket.on('message', (message, remote) => {
      const answer = this.answer(message);
      if (answer) this.socket.send(answer, remote.port, remote.address);
    });
    await new Promise<void>((resolve, reject) => {
      this.socket.once('error', reject);
      this.socket.bind(port, host, () => resolve());
    });
    this.port = this.socket.address().port;
  }

  public async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }

  private answer(query: Buffer): Buffer | undefined {
    if (query.length < 12) return undefined;
    const questionCount = query.readUInt16BE(4);
    if (questionCount !== 1) return undefined;
    // Question: a sequence of length-prefixed labels, then type and class.
    let offset = 12;
    const labels: string[] = [];
    while (offset < query.length && query[offset] !== 0) {
      const length = query[offset];
      labels.push(query.subarray(offset + 1, offset + 1 + length).toString('ascii'));
      offset += length + 1;
    }
    offset += 1;
    if (offset + 4 > query.length) return undefined;
    const type = query.readUInt16BE(offset);
    const questionEnd = offset + 4;
    const name = labels.join('.').toLowerCase();
    this.queries.set(name, (this.queries.get(name) ?? 0) + 1);
    const address = type === 1 ? this.records.get(name) : undefined;
    const known = this.records.has(name);

    const header = Buffer.alloc(12);
    query.copy(header, 0, 0, 2); // id
    // QR=1, opcode 0, AA=1, RD copied; RA=1; RCODE 0, or 3 (NXDOMAIN) for unknown names.
    header.writeUInt16BE(0x8400 | (query.readUInt16BE(2) & 0x0100) | 0x0080 | (known ? 0 : 3), 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(address ? 1 : 0, 6);
    const question = query.subarray(12, questionEnd);
    if (!address) return Buffer.concat([header, question]);
    const record = Buffer.alloc(16);
    record.writeUInt16BE(0xc00c, 0); // pointer to the name in the question
    record.writeUInt16BE(1, 2); // A
    record.writeUInt16BE(1, 4); // IN
    record.writeUInt32BE(this.ttlSeconds, 6);
    record.writeUInt16BE(4, 10);
    address.split('.').forEach((part, i) => record.writeUInt8(Number(part), 12 + i));
    return Buffer.concat([header, question, record]);
  }
}
