module flashdeck.dev/programs/alloc-stress

go 1.22
