package pipeline

import "errors"

// ErrStop marks the errors that are not the record's fault (the
// configuration, an unreachable StarRocks or schema registry, a wait that
// ctx ended): they stop the pipeline whatever the dead-letter policy,
// before the record's offset is committed, so that a restart reads the
// record again. Match it with errors.Is; Stop marks an error with it.
// Every other error of Rows is the record's fault, and carries its Stage.
var ErrStop = errors.New("the pipeline stops (not the record's fault)")

// Stop marks err with ErrStop; its text stays err's own. Stop(nil) is nil.
func Stop(err error) error {
	if err == nil {
		return nil
	}
	return stopError{err}
}

type stopError struct{ error }

func (e stopError) Unwrap() error        { return e.error }
func (e stopError) Is(target error) bool { return target == ErrStop }

// Stage is the step of the pipeline where a record failed, named as Kafka
// Connect names it (org.apache.kafka.connect.runtime.errors.Stage), for the
// __connect.errors.stage header of dead letters.
type Stage string

// The stages a starcdc record can fail in. starcdc has no header converter:
// record headers are not decoded, so HEADER_CONVERTER never occurs.
const (
	StageKeyConverter   Stage = "KEY_CONVERTER"   // the key.converter could not decode the key
	StageValueConverter Stage = "VALUE_CONVERTER" // the value.converter could not decode the value
	// StageTransformation: unwrapping the Debezium envelope failed and the
	// connector lists a Debezium transform (ExtractNewRecordState or
	// AddOpFieldForDebeziumRecord), which starcdc runs natively: in Kafka
	// Connect that transform would have failed.
	StageTransformation Stage = "TRANSFORMATION"
	// StageTaskPut: the sink's own work failed: unwrapping an envelope
	// without a configured transform, planning the table, turning the
	// change into a Stream Load row, or StarRocks rejecting the row.
	StageTaskPut Stage = "TASK_PUT"
)

// StageError is a record's error with the stage that failed. Its text is
// the error's own.
type StageError struct {
	Stage Stage
	Err   error
}

func (e *StageError) Error() string { return e.Err.Error() }
func (e *StageError) Unwrap() error { return e.Err }

// atStage tags err with stage, unless it stops the pipeline anyway.
func atStage(stage Stage, err error) error {
	if err == nil || errors.Is(err, ErrStop) {
		return err
	}
	return &StageError{Stage: stage, Err: err}
}

// StageOf is the stage err carries; TASK_PUT (the sink's own processing)
// when it carries none.
func StageOf(err error) Stage {
	var se *StageError
	if errors.As(err, &se) && se.Stage != "" {
		return se.Stage
	}
	return StageTaskPut
}
