package dev.turnout.rules;

/** A geo database a rule needs cannot be had; the message names the file and where it would come from. */
public final class GeoDataException extends Exception {

    public GeoDataException(String message) {
        super(message);
    }
}
