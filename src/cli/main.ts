#!/usr/bin/env node
// placeholder entry; commands arrive below
console.log('glassbox');
