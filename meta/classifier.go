package meta

// ClassifierMeta is the result of one classifier on one object (or frame),
// DeepStream's NvDsClassifierMeta: one LabelInfo per attribute it predicts
// (a multi-head model, e.g. colour and make, gives several). Acquire one with
// BatchMeta.AcquireClassifierMeta.
type ClassifierMeta struct {
	// UniqueComponentID is the gie-unique-id of the classifier.
	UniqueComponentID int
	// ClassifierType names what the classifier predicts, e.g. "carcolor".
	ClassifierType string
	// Labels are the predictions. Change the list only with AddLabel and
	// RemoveLabel.
	Labels []*LabelInfo

	link
}

// LabelInfo is one prediction of a classifier, DeepStream's NvDsLabelInfo.
// Acquire one with BatchMeta.AcquireLabelInfo.
type LabelInfo struct {
	// NumClasses is the number of classes of the output layer.
	NumClasses int
	// ResultLabel is the winning class's name, e.g. "red".
	ResultLabel string
	// ResultClassID is the winning class's index.
	ResultClassID int
	// LabelID is the index of the output layer (attribute) that made the
	// prediction.
	LabelID int
	// ResultProb is the winning class's probability.
	ResultProb float32

	link
}

func (c *ClassifierMeta) check() error {
	if c == nil {
		return ErrNilMeta
	}
	if c.state == stateFree {
		return ErrReleased
	}
	return nil
}

// reset zeroes c, keeping its label list's capacity and its batch.
func (c *ClassifierMeta) reset() {
	*c = ClassifierMeta{Labels: clearList(c.Labels), link: c.link}
}

// NumLabels returns the number of labels.
func (c *ClassifierMeta) NumLabels() int {
	if c == nil {
		return 0
	}
	return len(c.Labels)
}

// AddLabel appends a label acquired from c's batch.
func (c *ClassifierMeta) AddLabel(l *LabelInfo) error {
	if err := c.check(); err != nil {
		return err
	}
	return attach(c.batch, &c.Labels, l)
}

// RemoveLabel detaches l and returns it to the free list.
func (c *ClassifierMeta) RemoveLabel(l *LabelInfo) error {
	if err := c.check(); err != nil {
		return err
	}
	if err := detach(&c.Labels, l); err != nil {
		return err
	}
	c.batch.releaseLabel(l)
	return nil
}

// copyFrom makes c, acquired from the copy's batch, a deep copy of src.
func (c *ClassifierMeta) copyFrom(src *ClassifierMeta) {
	b := c.batch
	labels, l := c.Labels[:0], c.link
	*c = *src
	c.link = l
	for _, sl := range src.Labels {
		n := b.AcquireLabelInfo()
		nl := n.link
		*n = *sl
		n.link = nl
		n.state = stateAttached
		labels = append(labels, n)
	}
	c.Labels = labels
}
