package dev.turnout.host.service;

import java.io.StringWriter;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.TransformerException;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * The macOS LaunchDaemon ({@code /Library/LaunchDaemons/dev.turnout.plist}) that runs Turnout at boot, as root
 * (utun and routes need it; macOS has no capabilities to hand out instead). launchd has no stop hook, so the
 * daemon runs {@code turnout cleanup} before each start, which undoes whatever a crash or power loss left; a
 * normal stop (SIGTERM from {@code launchctl}) lets Turnout give everything back itself. Reload:
 * {@code sudo launchctl kill HUP system/dev.turnout}. Written with the JDK's XML writer, Apple's plist DTD.
 */
public final class LaunchdPlist {

    public static final String LABEL = "dev.turnout";
    public static final String FILE_NAME = LABEL + ".plist";
    public static final String LOG = "/var/log/turnout.log";

    private LaunchdPlist() {
    }

    /** The program arguments: cleanup, then exec run, in one shell line so the run keeps the daemon's pid. */
    public static List<String> programArguments(ServiceLayout layout) {
        String turnout = layout.launcher().toString();
        String config = layout.config().toString();
        return List.of("/bin/sh", "-c", turnout + " cleanup -c " + config + "; exec " + turnout + " run -c " + config);
    }

    public static String render(ServiceLayout layout) {
        try {
            Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().newDocument();
            Element plist = doc.createElement("plist");
            plist.setAttribute("version", "1.0");
            doc.appendChild(plist);
            Element dict = doc.createElement("dict");
            plist.appendChild(dict);
            entry(doc, dict, "Label", text(doc, "string", LABEL));
            Element args = doc.createElement("array");
            for (String a : programArguments(layout)) {
                args.appendChild(text(doc, "string", a));
            }
            entry(doc, dict, "ProgramArguments", args);
            entry(doc, dict, "RunAtLoad", doc.createElement("true"));
            // Restart after a crash, not after a clean exit (a config error exits 2 and would only loop).
            Element keepAlive = doc.createElement("dict");
            entry(doc, keepAlive, "SuccessfulExit", doc.createElement("false"));
            entry(doc, dict, "KeepAlive", keepAlive);
            entry(doc, dict, "ThrottleInterval", text(doc, "integer", "5"));
            entry(doc, dict, "StandardOutPath", text(doc, "string", LOG));
            entry(doc, dict, "StandardErrorPath", text(doc, "string", LOG));
            var t = TransformerFactory.newInstance().newTransformer();
            t.setOutputProperty(OutputKeys.ENCODING, "UTF-8");
            t.setOutputProperty(OutputKeys.INDENT, "yes");
            t.setOutputProperty("{http://xml.apache.org/xslt}indent-amount", "2");
            t.setOutputProperty(OutputKeys.DOCTYPE_PUBLIC, "-//Apple//DTD PLIST 1.0//EN");
            t.setOutputProperty(OutputKeys.DOCTYPE_SYSTEM, "http://www.apple.com/DTDs/PropertyList-1.0.dtd");
            StringWriter out = new StringWriter();
            t.transform(new DOMSource(doc), new StreamResult(out));
            return out.toString();
        } catch (ParserConfigurationException | TransformerException e) {
            throw new IllegalStateException("the JDK's XML writer failed", e);
        }
    }

    private static void entry(Document doc, Element dict, String key, Element value) {
        dict.appendChild(text(doc, "key", key));
        dict.appendChild(value);
    }

    private static Element text(Document doc, String tag, String value) {
        Element e = doc.createElement(tag);
        e.setTextContent(value);
        return e;
    }
}
