package dev.turnout.host.dns;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;

/**
 * An A/AAAA answer record whose owner name comes straight from the decoded question. Netty's
 * {@code DefaultDnsRawRecord} runs every name through {@code IDN.toASCII} again, which costs more than the
 * rest of a fake answer; the question's name has already been through it once while decoding.
 */
final class AddressRecord extends DefaultByteBufHolder implements DnsRawRecord {

    private final String name;
    private final DnsRecordType type;
    private final long ttl;

    AddressRecord(String name, DnsRecordType type, long ttl, ByteBuf address) {
        super(address);
        this.name = name;
        this.type = type;
        this.ttl = ttl;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public DnsRecordType type() {
        return type;
    }

    @Override
    public int dnsClass() {
        return DnsRecord.CLASS_IN;
    }

    @Override
    public long timeToLive() {
        return ttl;
    }

    @Override
    public AddressRecord copy() {
        return replace(content().copy());
    }

    @Override
    public AddressRecord duplicate() {
        return replace(content().duplicate());
    }

    @Override
    public AddressRecord retainedDuplicate() {
        return replace(content().retainedDuplicate());
    }

    @Override
    public AddressRecord replace(ByteBuf content) {
        return new AddressRecord(name, type, ttl, content);
    }

    @Override
    public AddressRecord retain() {
        super.retain();
        return this;
    }

    @Override
    public AddressRecord retain(int increment) {
        super.retain(increment);
        return this;
    }

    @Override
    public AddressRecord touch() {
        super.touch();
        return this;
    }

    @Override
    public AddressRecord touch(Object hint) {
        super.touch(hint);
        return this;
    }

    @Override
    public String toString() {
        return "AddressRecord(" + name + " " + type + " ttl " + ttl + ")";
    }
}
