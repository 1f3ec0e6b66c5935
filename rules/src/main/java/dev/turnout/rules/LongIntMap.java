package dev.turnout.rules;

import java.util.Arrays;

/** Open-addressing map from non-negative long keys to non-negative ints; -1 means absent. */
final class LongIntMap {

    interface Visitor {
        void visit(long key, int value);
    }

    private long[] keys = filledKeys(16);
    private int[] values = new int[16];
    private int[] childToKeySlot = new int[0];
    private int size;

    int get(long key) {
        int mask = keys.length - 1;
        for (int slot = mix(key) & mask; ; slot = (slot + 1) & mask) {
            long k = keys[slot];
            if (k == key) {
                return values[slot];
            }
            if (k == -1) {
                return -1;
            }
        }
    }

    void put(long key, int value) {
        if (size * 2 >= keys.length) {
            grow();
        }
        int mask = keys.length - 1;
        for (int slot = mix(key) & mask; ; slot = (slot + 1) & mask) {
            if (keys[slot] == -1) {
                keys[slot] = key;
                values[slot] = value;
                size++;
                return;
            }
            if (keys[slot] == key) {
                values[slot] = value;
                return;
            }
        }
    }

    void forEach(Visitor visitor) {
        for (int s = 0; s < keys.length; s++) {
            if (keys[s] != -1) {
                visitor.visit(keys[s], values[s]);
            }
        }
    }

    /** The low 16 bits (the character) of the key that leads from {@code parent} to {@code child}. */
    long keyLowOf(int parent, int child) {
        if (childToKeySlot.length == 0) {
            int max = 0;
            for (int s = 0; s < keys.length; s++) {
                if (keys[s] != -1) {
                    max = Math.max(max, values[s]);
                }
            }
            childToKeySlot = new int[max + 1];
            for (int s = 0; s < keys.length; s++) {
                if (keys[s] != -1) {
                    childToKeySlot[values[s]] = s;
                }
            }
        }
        return keys[childToKeySlot[child]] & 0xffff;
    }

    private void grow() {
        long[] oldKeys = keys;
        int[] oldValues = values;
        keys = filledKeys(oldKeys.length * 2);
        values = new int[keys.length];
        size = 0;
        for (int s = 0; s < oldKeys.length; s++) {
            if (oldKeys[s] != -1) {
                put(oldKeys[s], oldValues[s]);
            }
        }
    }

    private static int mix(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }

    private static long[] filledKeys(int n) {
        long[] a = new long[n];
        Arrays.fill(a, -1L);
        return a;
    }
}
