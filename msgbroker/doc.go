// Package msgbroker is the unified bi-directional message-broker library:
// one package per protocol (kafka, mqtt, amqp, azure) with the same shape
// (config struct, Connect, Send, Subscribe, Close), TLS and SASL, and an
// on-disk spool so nothing is lost while a broker is down. It is built by
// the messaging issue; the package holds nothing yet.
package msgbroker
