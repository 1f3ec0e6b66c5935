package dev.turnout.host.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MemoryLineTest {

    @Test
    void linesHaveMihomosKeys() {
        assertEquals("{\"inuse\":123,\"oslimit\":0}", Streams.memoryLine(123));
    }

    @Test
    void vmRssIsReadInKilobytes() {
        assertEquals(113704, ProcessMemory.kilobytes("VmRSS:\t  113704 kB"));
        assertTrue(ProcessMemory.inUse() > 0);
    }
}
