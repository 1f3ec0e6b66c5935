package dev.turnout.host.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/** The LaunchDaemon plist, parsed back as XML (plutil is macOS-only): Apple's DTD, and the keys launchd reads. */
class LaunchdPlistTest {

    static Document parse(String xml) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    }

    static List<Element> children(Node n) {
        List<Element> out = new ArrayList<>();
        for (Node c = n.getFirstChild(); c != null; c = c.getNextSibling()) {
            if (c instanceof Element e) {
                out.add(e);
            }
        }
        return out;
    }

    /** A plist dict as key to value element, in order; fails on anything but key/value pairs. */
    static Map<String, Element> dict(Element dict) {
        Map<String, Element> out = new LinkedHashMap<>();
        List<Element> c = children(dict);
        assertEquals(0, c.size() % 2, "keys and values alternate");
        for (int i = 0; i < c.size(); i += 2) {
            assertEquals("key", c.get(i).getTagName());
            out.put(c.get(i).getTextContent(), c.get(i + 1));
        }
        return out;
    }

    @Test
    void isAnApplePlistThatRunsCleanupThenTurnoutAtBootAndAgainAfterACrash() throws Exception {
        String xml = LaunchdPlist.render(SystemdUnitTest.LAYOUT);
        Document doc = parse(xml);
        assertEquals("-//Apple//DTD PLIST 1.0//EN", doc.getDoctype().getPublicId());
        assertEquals("http://www.apple.com/DTDs/PropertyList-1.0.dtd", doc.getDoctype().getSystemId());
        Element plist = doc.getDocumentElement();
        assertEquals("plist", plist.getTagName());
        assertEquals("1.0", plist.getAttribute("version"));
        Map<String, Element> d = dict(children(plist).get(0));
        assertEquals(List.of("Label", "ProgramArguments", "RunAtLoad", "KeepAlive", "ThrottleInterval", "StandardOutPath",
                "StandardErrorPath"), List.copyOf(d.keySet()));
        assertEquals("dev.turnout", d.get("Label").getTextContent());
        List<String> args = children(d.get("ProgramArguments")).stream().map(Element::getTextContent).toList();
        assertEquals(List.of("/bin/sh", "-c", "/opt/turnout/bin/turnout cleanup -c /etc/turnout/config.yaml; "
                + "exec /opt/turnout/bin/turnout run -c /etc/turnout/config.yaml"), args);
        assertEquals("true", d.get("RunAtLoad").getTagName());
        Map<String, Element> keepAlive = dict(d.get("KeepAlive"));
        assertEquals("false", keepAlive.get("SuccessfulExit").getTagName(), "restarted after a crash, not a clean exit");
        assertEquals("integer", d.get("ThrottleInterval").getTagName());
        assertTrue(xml.startsWith("<?xml version=\"1.0\" encoding=\"UTF-8\""), xml);
    }
}
