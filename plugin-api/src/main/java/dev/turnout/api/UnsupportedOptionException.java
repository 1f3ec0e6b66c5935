package dev.turnout.api;

/**
 * The options are ones a Clash core accepts, but they ask for something the plugin does not implement (a cipher,
 * a transport, a protocol extension). Where another {@link OptionException} stops the config, the host leaves such
 * an entry out, says so, and goes on with the rest: an airport's subscription mixes nodes of every kind, and one
 * the plugin cannot speak should not keep the others from working.
 */
public class UnsupportedOptionException extends OptionException {

    public UnsupportedOptionException(String key, String message) {
        super(key, message);
    }
}
