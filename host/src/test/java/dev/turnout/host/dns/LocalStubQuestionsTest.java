package dev.turnout.host.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.dns.DefaultDnsQuery;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DnsQuery;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsSection;
import org.junit.jupiter.api.Test;

/**
 * A hijacked query asking what Turnout is asking a local stub is that stub's forward (readme tester F9): known by its
 * question, whatever the case of the name, until Turnout's own is answered.
 */
class LocalStubQuestionsTest {

    private static ByteBuf query(String name, DnsRecordType type) throws Exception {
        DnsQuery q = new DefaultDnsQuery(7);
        try {
            q.addRecord(DnsSection.QUESTION, new DefaultDnsQuestion(name, type));
            return DnsWire.encodeQuery(q);
        } finally {
            q.release();
        }
    }

    @Test
    void aForwardOfAQuestionAskedOfTheStubIsKnownUntilItIsAnswered() throws Exception {
        LocalStubQuestions asked = new LocalStubQuestions();
        ByteBuf forward = query("WWW.Example.test.", DnsRecordType.A);
        ByteBuf aaaa = query("www.example.test.", DnsRecordType.AAAA);
        try {
            assertFalse(asked.contains(forward), "nothing asked");
            String key = LocalStubQuestions.key("www.example.test", DnsRecordType.A.intValue());
            assertEquals(key, LocalStubQuestions.questionKey(forward));
            asked.add(key);
            asked.add(key);
            assertTrue(asked.contains(forward));
            assertFalse(asked.contains(aaaa), "another type is an application's own question");
            asked.remove(key);
            assertTrue(asked.contains(forward), "the second lookup of the name is still under way");
            asked.remove(key);
            assertFalse(asked.contains(forward), "answered: an application's question again");
        } finally {
            forward.release();
            aaaa.release();
        }
    }
}
