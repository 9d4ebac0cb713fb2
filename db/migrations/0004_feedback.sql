-- One feedback poll per meeting; a general poll's options are numbered from 0.
CREATE UNIQUE INDEX polls_one_feedback_per_meeting ON polls (meeting_id) WHERE kind = 'feedback';
CREATE INDEX poll_answers_by_poll ON poll_answers (poll_id, answered_at);
CREATE INDEX topic_votes_by_topic ON topic_votes (topic_id);
