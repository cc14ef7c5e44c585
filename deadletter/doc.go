// Package deadletter decides what happens to a record that cannot be loaded:
// the dead-letter policies of Kafka Connect's errors.tolerance and
// errors.deadletterqueue.* settings.
//
// It owns:
//   - the Policy interface and its three policies: Stop
//     (errors.tolerance=none, the default), LogAndSkip (errors.tolerance=all
//     without a topic) and TopicWriter (errors.tolerance=all with
//     errors.deadletterqueue.topic.name), which NewTopicWriter builds,
//     creating the topic with max.message.bytes = MaxBytes when it is
//     missing;
//   - Row, a row StarRocks rejected with the position of its record;
//   - the __connect.errors.exception.class.name table (ErrorClass): the
//     fully qualified Go name of the sentinel error a failure wraps;
//   - MaxBytes, the largest dead letter starcdc writes, and the advice its
//     errors give when a write fails for a reason retrying cannot fix
//     (the command that raises the topic's limit, grants the ACL, or skips
//     the record);
//   - Describe, the one way a record is named in messages: "record
//     <topic>/<partition>/<offset>".
//
// It promises that:
//   - a record it takes is never silently lost: Handle returns nil only
//     once the record is taken care of: for TopicWriter, written to the
//     dead-letter topic and acknowledged by Kafka; for LogAndSkip, logged at
//     error level with its position. HandleRows likewise returns nil only
//     once the rejected rows it took out of the loader (take) are written
//     or logged; Stop never takes them;
//   - on any failure, and always with Stop, it returns an error, and the
//     caller stops the pipeline before the record's offset commits, so that
//     every restart resumes at that record until the cause is fixed; the
//     error names the record (Describe) and says what to change;
//   - TopicWriter writes a record unchanged (key, value, headers) and a
//     rejected row as its Stream Load row with a __starcdc.table header;
//     with ContextHeaders both carry Kafka Connect's __connect.errors.topic,
//     .partition, .offset, .connector.name, .task.id (0), .stage (the
//     pipeline.Stage that failed; TASK_PUT for rejected rows),
//     .exception.class.name (ErrorClass) and .exception.message headers.
//
// It does not decide which errors are the record's fault: errors marked
// pipeline.ErrStop never reach a policy (package replicator stops on them).
package deadletter
