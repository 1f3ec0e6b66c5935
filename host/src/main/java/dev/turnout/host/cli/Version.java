package dev.turnout.host.cli;

import picocli.CommandLine;

/** The version, from the jar's manifest when packaged. */
final class Version implements CommandLine.IVersionProvider {

    static String current() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v != null ? v : "0.1.0-SNAPSHOT";
    }

    @Override
    public String[] getVersion() {
        return new String[] {"turnout " + current(), "Java " + System.getProperty("java.version")};
    }
}
