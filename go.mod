module github.com/dsgo/dsgo

go 1.26.8
