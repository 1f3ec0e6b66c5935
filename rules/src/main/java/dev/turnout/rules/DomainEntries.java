package dev.turnout.rules;

import java.util.AbstractList;

/**
 * A {@link Behavior#DOMAIN} provider's entries as a list of rules, kept as the reader left them: an entry it
 * knew to be a plain lower-case domain stays a table key ({@link RawEntries#EXACT} or {@link RawEntries#SUFFIX}):
 * its place in the bytes read and its hash, so that the index takes the 100,000-entry lists without an object per
 * entry;
 * any other entry was parsed into its rule. Read as a list, a key's rule is made when asked for.
 */
final class DomainEntries extends AbstractList<Rule> {

    private final RawEntries raw;
    /** The rule of each entry that is not a key (null at a key); null when every entry is one. */
    private final Rule[] parsed;

    DomainEntries(RawEntries raw, Rule[] parsed) {
        this.raw = raw;
        this.parsed = parsed;
    }

    /** The entry's rule when it is not a table key, else null (then {@link #key}, {@link #kind}, {@link #hash}). */
    Rule parsed(int i) {
        return raw.kind(i) == RawEntries.TEXT ? parsed[i] : null;
    }

    /** {@link DomainTable#EXACT} or {@link DomainTable#SUFFIX} for a key. */
    int kind(int i) {
        return raw.kind(i) == RawEntries.EXACT ? DomainTable.EXACT : DomainTable.SUFFIX;
    }

    /** The bytes a key lies in, at {@link #keyFrom} for {@link #keyLength}: ASCII, lower case. */
    byte[] keyBytes() {
        return raw.keyBytes();
    }

    int keyFrom(int i) {
        return raw.keyFrom(i);
    }

    int keyLength(int i) {
        return raw.keyLength(i);
    }

    int hash(int i) {
        return raw.hash(i);
    }

    /** How many entries are keys. */
    int keys() {
        return raw.keys();
    }

    /** The characters of all the keys together. */
    long keyChars() {
        return raw.keyChars();
    }

    @Override
    public Rule get(int i) {
        if (i < 0 || i >= raw.size()) {
            throw new IndexOutOfBoundsException(i);
        }
        return switch (raw.kind(i)) {
            case RawEntries.EXACT -> new Rule.Exact(raw.key(i));
            case RawEntries.SUFFIX -> new Rule.Suffix(raw.key(i));
            default -> parsed[i];
        };
    }

    @Override
    public int size() {
        return raw.size();
    }
}
