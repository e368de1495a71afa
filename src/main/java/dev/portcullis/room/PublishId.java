package dev.portcullis.room;

import dev.portcullis.cluster.Member;
import java.util.Objects;
import java.util.Optional;

/**
 * Which message of which member a room message is: the sender's member key and the number this instance
 * gave the message, by which the sender's own copy is recognised even when it comes back late. The cluster
 * carries it as the sender's member key, {@code instance/session#n}; this type alone writes and reads that form.
 */
record PublishId(String memberKey, long number) {
    private static final char SEPARATOR = '#';

    PublishId {
        Objects.requireNonNull(memberKey, "memberKey");
        if (number < 0) {
            throw new IllegalArgumentException("a publish number is never negative: " + number);
        }
    }

    /** The number {@code number} of {@code member}'s messages. */
    static PublishId of(Member member, long number) {
        return new PublishId(member.key(), number);
    }

    /** The form the cluster carries: {@code memberKey#number}. */
    String wireForm() {
        return memberKey + SEPARATOR + number;
    }

    /** The sender of this message as the cluster carries it: {@code user}, keyed by {@link #wireForm()}. */
    Member sender(String user) {
        return new Member(user, wireForm());
    }

    /**
     * Reads a sender key back; empty if {@code wireForm} is not one {@link #wireForm()} writes. The number is
     * after the last {@code '#'}, so a member key may hold {@code '#'} itself (an instance id may).
     */
    static Optional<PublishId> parse(String wireForm) {
        int at = wireForm.lastIndexOf(SEPARATOR);
        String digits = wireForm.substring(at + 1);
        if (at < 0 || digits.isEmpty() || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return Optional.empty();
        }
        long number;
        try {
            number = Long.parseLong(digits);
        } catch (NumberFormatException tooLong) {
            return Optional.empty();
        }
        // Only the form written here: "k#007" would name the message "k#7" is.
        return Long.toString(number).equals(digits)
                ? Optional.of(new PublishId(wireForm.substring(0, at), number)) : Optional.empty();
    }
}
